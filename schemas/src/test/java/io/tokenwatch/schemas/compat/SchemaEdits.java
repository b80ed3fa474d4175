package io.tokenwatch.schemas.compat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.jspecify.annotations.Nullable;

/** Edits a schema through its JSON form, the way a developer would edit the .avsc file. */
final class SchemaEdits {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SchemaEdits() {}

  static Schema edit(Schema schema, Consumer<ObjectNode> edit) {
    try {
      ObjectNode root = (ObjectNode) JSON.readTree(schema.toString());
      edit.accept(root);
      return new Schema.Parser().parse(JSON.writeValueAsString(root));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ArrayNode fields(ObjectNode record) {
    return (ArrayNode) record.get("fields");
  }

  static ObjectNode field(ObjectNode record, String name) {
    for (var field : fields(record)) {
      if (name.equals(field.get("name").asText())) {
        return (ObjectNode) field;
      }
    }
    throw new IllegalArgumentException("no field " + name);
  }

  static void addField(
      ObjectNode record, String name, String typeJson, @Nullable String defaultJson) {
    try {
      ObjectNode field = fields(record).addObject();
      field.put("name", name);
      field.set("type", JSON.readTree(typeJson));
      field.put("doc", "added in a test");
      if (defaultJson != null) {
        field.set("default", JSON.readTree(defaultJson));
      }
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void removeField(ObjectNode record, String name) {
    ArrayNode fields = fields(record);
    for (int i = 0; i < fields.size(); i++) {
      if (name.equals(fields.get(i).get("name").asText())) {
        fields.remove(i);
        return;
      }
    }
    throw new IllegalArgumentException("no field " + name);
  }
}
