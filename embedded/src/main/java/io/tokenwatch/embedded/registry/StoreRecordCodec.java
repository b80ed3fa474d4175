package io.tokenwatch.embedded.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.schemas.compat.CompatibilityLevel;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Writes {@link StoreRecord}s as JSON key and value, and reads them back.
 *
 * <p>Keys are JSON too, with a fixed field order, so that equal keys are equal bytes and topic
 * compaction keeps exactly the latest entry per schema version and per subject config. Removing a
 * subject's config is a tombstone (null value).
 */
final class StoreRecordCodec {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCHEMA = "SCHEMA";
  private static final String CONFIG = "CONFIG";

  private StoreRecordCodec() {}

  static String key(StoreRecord record) {
    ObjectNode key = JSON.createObjectNode();
    if (record instanceof StoreRecord.SchemaVersion schema) {
      key.put("keytype", SCHEMA);
      key.put("subject", schema.subject());
      key.put("version", schema.version());
    } else if (record instanceof StoreRecord.SubjectConfig config) {
      key.put("keytype", CONFIG);
      key.put("subject", config.subject());
    }
    return key.toString();
  }

  static @Nullable String value(StoreRecord record) {
    ObjectNode value = JSON.createObjectNode();
    if (record instanceof StoreRecord.SchemaVersion schema) {
      value.put("subject", schema.subject());
      value.put("version", schema.version());
      value.put("id", schema.id());
      value.put("schemaType", "AVRO");
      value.put("schema", schema.schema());
      value.put("deleted", schema.deleted());
    } else if (record instanceof StoreRecord.SubjectConfig config) {
      CompatibilityLevel level = config.level();
      if (level == null) {
        return null;
      }
      value.put("subject", config.subject());
      value.put("compatibilityLevel", level.name());
    }
    return value.toString();
  }

  /**
   * Reads one log entry.
   *
   * @return empty for a tombstone of a schema version, which carries nothing to apply
   * @throws IllegalArgumentException if the key or value is not one this codec writes
   */
  static Optional<StoreRecord> decode(String key, @Nullable String value) {
    JsonNode keyNode = parse(key);
    String keyType = keyNode.path("keytype").asText("");
    switch (keyType) {
      case SCHEMA -> {
        if (value == null) {
          return Optional.empty();
        }
        JsonNode v = parse(value);
        return Optional.of(
            new StoreRecord.SchemaVersion(
                required(v, "subject").asText(),
                required(v, "version").asInt(),
                required(v, "id").asInt(),
                required(v, "schema").asText(),
                v.path("deleted").asBoolean(false)));
      }
      case CONFIG -> {
        JsonNode subjectNode = keyNode.path("subject");
        String subject = subjectNode.isTextual() ? subjectNode.asText() : null;
        if (value == null) {
          return subject == null
              ? Optional.empty()
              : Optional.of(new StoreRecord.SubjectConfig(subject, null));
        }
        CompatibilityLevel level =
            CompatibilityLevel.valueOf(required(parse(value), "compatibilityLevel").asText());
        return Optional.of(new StoreRecord.SubjectConfig(subject, level));
      }
      default -> throw new IllegalArgumentException("unknown registry log key: " + key);
    }
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode child = node.get(field);
    if (child == null || child.isNull()) {
      throw new IllegalArgumentException("registry log entry lacks '" + field + "': " + node);
    }
    return child;
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("registry log entry is not JSON: " + json, e);
    }
  }
}
