package io.tokenwatch.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.Schema.Field;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The rules every event contract follows, checked over every schema reachable from an event. */
class EventSchemaConventionsTest {

  private static final String NAMESPACE = "io.tokenwatch.events";

  private static final Set<String> TIMESTAMP_FIELDS =
      Set.of("first_seen", "last_seen", "issued_before", "forget_after", "not_before");

  @Test
  void shouldDocumentEveryRecordEnumAndField() {
    List<String> undocumented = new ArrayList<>();
    forEachNamedType(
        (path, schema) -> {
          if (isBlank(schema.getDoc())) {
            undocumented.add(schema.getFullName());
          }
          if (schema.getType() == Schema.Type.RECORD) {
            for (Field field : schema.getFields()) {
              if (isBlank(field.doc())) {
                undocumented.add(schema.getFullName() + "." + field.name());
              }
            }
          }
        });

    assertThat(undocumented).as("records, enums and fields without a doc").isEmpty();
  }

  @Test
  void shouldGiveEveryEventAnIdAndAnOccurrenceTimestamp() {
    for (Schema event : EventTypes.all()) {
      Field eventId = event.getField("event_id");
      Field occurredAt = event.getField("occurred_at");

      assertThat(eventId).as(event.getName() + ".event_id").isNotNull();
      assertThat(eventId.pos()).as(event.getName() + ".event_id position").isZero();
      assertThat(eventId.schema().getType()).isEqualTo(Schema.Type.STRING);
      assertThat(occurredAt).as(event.getName() + ".occurred_at").isNotNull();
      assertThat(occurredAt.pos()).as(event.getName() + ".occurred_at position").isEqualTo(1);
      assertThat(occurredAt.schema().getLogicalType())
          .as(event.getName() + ".occurred_at logical type")
          .isEqualTo(LogicalTypes.timestampMillis());
    }
  }

  @Test
  void shouldLetEveryEnumGrowThroughAnUnknownDefault() {
    List<String> enums = new ArrayList<>();
    forEachNamedType(
        (path, schema) -> {
          if (schema.getType() == Schema.Type.ENUM) {
            enums.add(schema.getName());
            assertThat(schema.getEnumSymbols()).as(schema.getFullName()).contains("UNKNOWN");
            assertThat(schema.getEnumDefault()).as(schema.getFullName()).isEqualTo("UNKNOWN");
          }
        });

    assertThat(enums)
        .contains(
            "BindingType",
            "GrantType",
            "SelectorKind",
            "RevocationReason",
            "IssuanceDenyReason",
            "UseDecision",
            "UseDenyReason",
            "AlertRule",
            "Severity");
  }

  @Test
  void shouldMakeEveryUnionAnOptionalValueDefaultingToNull() {
    forEachField(
        (path, field) -> {
          if (field.schema().getType() == Schema.Type.UNION) {
            List<Schema> branches = field.schema().getTypes();
            assertThat(branches).as(path).hasSize(2);
            assertThat(branches.get(0).getType()).as(path).isEqualTo(Schema.Type.NULL);
            assertThat(field.defaultVal())
                .as(path + " default")
                .isEqualTo(JsonProperties.NULL_VALUE);
          }
        });
  }

  @Test
  void shouldStoreEveryTimestampAsTimestampMillis() {
    forEachField(
        (path, field) -> {
          if (field.name().endsWith("_at") || TIMESTAMP_FIELDS.contains(field.name())) {
            assertThat(nonNull(field.schema()).getLogicalType())
                .as(path)
                .isEqualTo(LogicalTypes.timestampMillis());
          }
        });
  }

  @Test
  void shouldNameFieldsInSnakeCaseAndTypesInTheEventsNamespace() {
    forEachNamedType(
        (path, schema) -> assertThat(schema.getNamespace()).as(path).isEqualTo(NAMESPACE));
    forEachField((path, field) -> assertThat(field.name()).as(path).matches("[a-z][a-z0-9_]*"));
  }

  private static Schema nonNull(Schema schema) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    return schema.getTypes().stream()
        .filter(branch -> branch.getType() != Schema.Type.NULL)
        .findFirst()
        .orElseThrow();
  }

  private static void forEachField(BiConsumer<String, Field> action) {
    forEachNamedType(
        (path, schema) -> {
          if (schema.getType() == Schema.Type.RECORD) {
            for (Field field : schema.getFields()) {
              action.accept(schema.getName() + "." + field.name(), field);
            }
          }
        });
  }

  /** Visits every record and enum reachable from an event schema once, with the path to it. */
  private static void forEachNamedType(BiConsumer<String, Schema> action) {
    Set<String> seen = new HashSet<>();
    for (Schema event : EventTypes.all()) {
      walk(event.getName(), event, seen, action);
    }
  }

  private static void walk(
      String path, Schema schema, Set<String> seen, BiConsumer<String, Schema> action) {
    switch (schema.getType()) {
      case RECORD -> {
        if (seen.add(schema.getFullName())) {
          action.accept(path, schema);
          for (Field field : schema.getFields()) {
            walk(path + "." + field.name(), field.schema(), seen, action);
          }
        }
      }
      case ENUM -> {
        if (seen.add(schema.getFullName())) {
          action.accept(path, schema);
        }
      }
      case UNION -> schema.getTypes().forEach(branch -> walk(path, branch, seen, action));
      case ARRAY -> walk(path + "[]", schema.getElementType(), seen, action);
      case MAP -> walk(path + "{}", schema.getValueType(), seen, action);
      default -> {
        // primitives carry no names or docs of their own
      }
    }
  }

  private static boolean isBlank(@Nullable String text) {
    return text == null || text.isBlank();
  }
}
