package io.tokenwatch.schemas.compat;

import static io.tokenwatch.schemas.compat.SchemaEdits.addField;
import static io.tokenwatch.schemas.compat.SchemaEdits.edit;
import static io.tokenwatch.schemas.compat.SchemaEdits.field;
import static io.tokenwatch.schemas.compat.SchemaEdits.removeField;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tokenwatch.events.TokenIssued;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * Proves the evolution guard catches the edits that break consumers, by making each edit to the
 * current {@code TokenIssued} schema and checking the result.
 */
class IncompatibleChangeDetectionTest {

  private static final Schema CURRENT = TokenIssued.getClassSchema();

  /**
   * Checks against the current schema and not the released ones, so that while the current schema
   * itself is broken only the guard ({@link ReleasedSchemaCompatibilityTest}) fails, not these
   * tests too. The guard runs the very same check against the released versions.
   */
  private static List<String> checkAgainstCurrent(Schema candidate) {
    return CompatibilityChecker.check(
        candidate, List.of(CURRENT), CompatibilityLevel.FULL_TRANSITIVE);
  }

  @Test
  void shouldReportARequiredFieldAddedWithoutDefault() {
    Schema edited = edit(CURRENT, record -> addField(record, "new_field", "\"string\"", null));

    assertThat(checkAgainstCurrent(edited))
        .singleElement()
        .asString()
        .startsWith("backward incompatible at TokenIssued.new_field")
        .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
  }

  @Test
  void shouldReportAFieldWhoseTypeChanged() {
    Schema edited = edit(CURRENT, record -> field(record, "scopes").put("type", "string"));

    assertThat(checkAgainstCurrent(edited))
        .isNotEmpty()
        .allSatisfy(problem -> assertThat(problem).contains("TokenIssued.scopes", "TYPE_MISMATCH"));
  }

  @Test
  void shouldReportAnEnumSymbolRemovedFromAnEnumWithoutDefault() {
    Schema edited =
        edit(
            CURRENT,
            record -> {
              ObjectNode grantType = (ObjectNode) field(record, "grant_type").get("type");
              grantType.remove("default");
              ArrayNode symbols = (ArrayNode) grantType.get("symbols");
              symbols.removeAll();
              symbols.add("CLIENT_CREDENTIALS").add("TOKEN_EXCHANGE").add("UNKNOWN");
            });

    assertThat(checkAgainstCurrent(edited))
        .singleElement()
        .asString()
        .contains("TokenIssued.grant_type symbols", "MISSING_ENUM_SYMBOLS", "REFRESH_TOKEN");
  }

  @Test
  void shouldReportARequiredFieldRemovedBecauseOldReadersStillNeedIt() {
    Schema edited = edit(CURRENT, record -> removeField(record, "rule_id"));

    assertThat(checkAgainstCurrent(edited))
        .singleElement()
        .asString()
        .startsWith("forward incompatible at TokenIssued.rule_id");
  }

  @Test
  void shouldReportAChangeInsideASharedType() {
    Schema edited =
        edit(
            CURRENT,
            record -> {
              ObjectNode binding = (ObjectNode) field(record, "channel_binding").get("type");
              SchemaEdits.field(binding, "thumbprint").set("type", new TextNode("bytes"));
              SchemaEdits.field(binding, "thumbprint").remove("default");
            });

    assertThat(checkAgainstCurrent(edited))
        .isNotEmpty()
        .allSatisfy(
            problem -> assertThat(problem).contains("TokenIssued.channel_binding.thumbprint"));
  }

  @Test
  void shouldReportARequiredFieldAddedInsideAnOptionalSharedRecord() {
    Schema edited =
        edit(
            CURRENT,
            record -> {
              ObjectNode actor = (ObjectNode) field(record, "actor").get("type").get(1);
              addField(actor, "new_field", "\"string\"", null);
            });

    assertThat(checkAgainstCurrent(edited))
        .singleElement()
        .asString()
        .startsWith("backward incompatible at TokenIssued.actor.new_field");
  }

  @Test
  void shouldAcceptAnOptionalFieldAddedWithNullDefault() {
    Schema edited =
        edit(CURRENT, record -> addField(record, "tenant_id", "[\"null\", \"string\"]", "null"));

    assertThat(checkAgainstCurrent(edited)).isEmpty();
  }

  @Test
  void shouldAcceptAnEnumSymbolAddedBecauseOldReadersFallBackToUnknown() {
    Schema edited =
        edit(
            CURRENT,
            record ->
                ((ArrayNode) field(record, "grant_type").get("type").get("symbols"))
                    .add("DEVICE_CODE"));

    assertThat(checkAgainstCurrent(edited)).isEmpty();
  }
}
