package io.tokenwatch.audit.kafka;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.schemas.EventTypes;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.jspecify.annotations.Nullable;

/**
 * Rebuilds stored events as Avro records of the catalogue, from the plain JSON the store keeps (see
 * {@link AvroJson}: unions unwrapped, enums as symbols, timestamps as epoch milliseconds, bytes and
 * fixed as base64), and names the Kafka key their topic gives them.
 *
 * <p>The record is built with the catalogue's schema for the event's type: for an event stored with
 * that schema (or any whose fields it shares) the rebuilt record equals the one the producer wrote,
 * field for field; a field the stored event lacks takes the schema's default, a field the schema
 * lacks is dropped. Stateless and thread-safe.
 */
public final class StoredEvents {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every catalogue event type by its record name, so a type added to the catalogue replays. */
  private static final Map<String, Class<? extends SpecificRecord>> TYPES =
      EventTypes.classes().stream()
          .collect(
              java.util.stream.Collectors.toUnmodifiableMap(Class::getSimpleName, type -> type));

  private StoredEvents() {}

  /**
   * The event of type {@code eventType} stored as {@code json}, as the generated record.
   *
   * @throws IllegalArgumentException if the type is not a catalogue event or the JSON does not fit
   *     its schema
   */
  public static SpecificRecord rebuild(String eventType, String json) {
    requireNonNull(eventType, "eventType");
    requireNonNull(json, "json");
    Class<? extends SpecificRecord> type = TYPES.get(eventType);
    if (type == null) {
      throw new IllegalArgumentException("not a catalogue event type: " + eventType);
    }
    SpecificData model = SpecificData.getForClass(type);
    Schema schema = model.getSchema(type);
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("stored " + eventType + " is not JSON: " + e, e);
    }
    if (!(value(model, schema, node, eventType) instanceof SpecificRecord record)) {
      throw new IllegalArgumentException("stored " + eventType + " is not a record");
    }
    return record;
  }

  /**
   * The key the event's topic gives it (docs/TOKENS.md, the topic catalogue): the token id for
   * issuances and uses, the client id for refused issuances, the selector ({@code <kind>:<value>})
   * for revocation requests and revocations, the subject (else {@code client:}, {@code grant:},
   * {@code token:} and the id) for alerts, the grant id for refresh grants, the key id for
   * checkpoints, the user for consents and their withdrawal, the request id for access-request
   * changes, the policy id for policy changes; null where the event has none (a use of an
   * unparseable token).
   */
  public static @Nullable String key(GenericRecord event) {
    requireNonNull(event, "event");
    return switch (event.getSchema().getName()) {
      case "TokenIssued", "TokenUsed" -> text(event, "token_id");
      case "IssuanceDenied" -> text(event, "client_id");
      case "RevocationRequested", "Revocation" -> {
        if (!(event.get("selector") instanceof GenericRecord selector)) {
          yield null;
        }
        yield String.valueOf(selector.get("kind")).toLowerCase(Locale.ROOT)
            + ":"
            + text(selector, "value");
      }
      case "SecurityAlert" -> alertKey(event);
      case "RefreshGrantChanged" -> text(event, "grant_id");
      case "AuditCheckpoint" -> text(event, "key_id");
      case "ConsentGranted", "ConsentWithdrawn" -> text(event, "user");
      case "AccessRequestChanged" -> text(event, "request_id");
      case "PolicyChanged" -> text(event, "policy_id");
      case "AlertAction" -> text(event, "alert_id");
      default -> null;
    };
  }

  private static String alertKey(GenericRecord alert) {
    String subject = text(alert, "subject");
    if (subject != null) {
      return subject;
    }
    String client = text(alert, "client_id");
    if (client != null) {
      return "client:" + client;
    }
    String grant = text(alert, "grant_id");
    if (grant != null) {
      return "grant:" + grant;
    }
    String token = text(alert, "token_id");
    return "token:" + (token == null ? "" : token);
  }

  private static @Nullable String text(GenericRecord record, String field) {
    Object value = record.getSchema().getField(field) == null ? null : record.get(field);
    return value == null ? null : value.toString();
  }

  private static @Nullable Object value(
      SpecificData model, Schema schema, @Nullable JsonNode node, String path) {
    if (node == null || node.isNull()) {
      if (schema.getType() == Schema.Type.NULL || schema.isNullable()) {
        return null;
      }
      throw new IllegalArgumentException(path + ": null for " + schema.getType());
    }
    LogicalType logical = schema.getLogicalType();
    switch (schema.getType()) {
      case RECORD -> {
        if (!node.isObject()) {
          throw mismatch(path, schema, node);
        }
        Object record = model.newRecord(null, schema);
        for (Schema.Field field : schema.getFields()) {
          JsonNode fieldNode = node.get(field.name());
          Object fieldValue =
              fieldNode == null && field.hasDefaultValue()
                  ? model.getDefaultValue(field)
                  : value(model, field.schema(), fieldNode, path + "." + field.name());
          model.setField(record, field.name(), field.pos(), fieldValue);
        }
        return record;
      }
      case UNION -> {
        for (Schema branch : schema.getTypes()) {
          if (branch.getType() != Schema.Type.NULL && fits(branch, node)) {
            return value(model, branch, node, path);
          }
        }
        throw mismatch(path, schema, node);
      }
      case STRING -> {
        requireText(path, schema, node);
        return node.asText();
      }
      case ENUM -> {
        requireText(path, schema, node);
        if (!schema.hasEnumSymbol(node.asText())) {
          throw new IllegalArgumentException(path + ": no symbol " + node.asText());
        }
        return model.createEnum(node.asText(), schema);
      }
      case LONG -> {
        requireIntegral(path, schema, node);
        long number = node.asLong();
        return logical instanceof LogicalTypes.TimestampMillis
            ? Instant.ofEpochMilli(number)
            : Long.valueOf(number);
      }
      case INT -> {
        requireIntegral(path, schema, node);
        int number = node.asInt();
        return logical instanceof LogicalTypes.Date
            ? LocalDate.ofEpochDay(number)
            : Integer.valueOf(number);
      }
      case DOUBLE -> {
        return node.isTextual() ? Double.valueOf(node.asText()) : Double.valueOf(node.asDouble());
      }
      case FLOAT -> {
        return node.isTextual()
            ? Float.valueOf(node.asText())
            : Float.valueOf((float) node.asDouble());
      }
      case BOOLEAN -> {
        if (!node.isBoolean()) {
          throw mismatch(path, schema, node);
        }
        return node.asBoolean();
      }
      case BYTES -> {
        requireText(path, schema, node);
        return ByteBuffer.wrap(Base64.getDecoder().decode(node.asText()));
      }
      case FIXED -> {
        requireText(path, schema, node);
        return model.createFixed(null, Base64.getDecoder().decode(node.asText()), schema);
      }
      case ARRAY -> {
        if (!node.isArray()) {
          throw mismatch(path, schema, node);
        }
        List<@Nullable Object> items = new ArrayList<>(node.size());
        for (JsonNode item : node) {
          items.add(value(model, schema.getElementType(), item, path + "[]"));
        }
        return items;
      }
      case MAP -> {
        if (!node.isObject()) {
          throw mismatch(path, schema, node);
        }
        Map<String, @Nullable Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
          map.put(
              entry.getKey(),
              value(model, schema.getValueType(), entry.getValue(), path + "." + entry.getKey()));
        }
        return map;
      }
      default -> throw mismatch(path, schema, node);
    }
  }

  /** Whether a JSON value can be of the (non-null) union branch {@code schema}. */
  private static boolean fits(Schema schema, JsonNode node) {
    return switch (schema.getType()) {
      case RECORD, MAP -> node.isObject();
      case ARRAY -> node.isArray();
      case STRING, ENUM, BYTES, FIXED -> node.isTextual();
      case LONG, INT -> node.isIntegralNumber();
      case DOUBLE, FLOAT -> node.isNumber() || node.isTextual();
      case BOOLEAN -> node.isBoolean();
      default -> false;
    };
  }

  private static void requireText(String path, Schema schema, JsonNode node) {
    if (!node.isTextual()) {
      throw mismatch(path, schema, node);
    }
  }

  private static void requireIntegral(String path, Schema schema, JsonNode node) {
    if (!node.isIntegralNumber()) {
      throw mismatch(path, schema, node);
    }
  }

  private static IllegalArgumentException mismatch(String path, Schema schema, JsonNode node) {
    return new IllegalArgumentException(
        path + ": a JSON " + node.getNodeType() + " does not fit " + schema.getType());
  }
}
