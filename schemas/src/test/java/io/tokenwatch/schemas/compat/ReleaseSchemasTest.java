package io.tokenwatch.schemas.compat;

import static io.tokenwatch.schemas.compat.SchemaEdits.addField;
import static io.tokenwatch.schemas.compat.SchemaEdits.edit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.EventTypes;
import io.tokenwatch.schemas.compat.ReleaseSchemas.IncompatibleReleaseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReleaseSchemasTest {

  private static final Schema TOKEN_ISSUED = TokenIssued.getClassSchema();
  private static final String NAME = TOKEN_ISSUED.getFullName();

  @TempDir Path resources;

  @Test
  void shouldWriteTheFirstVersionOfEveryEventTypeNeverReleased() throws IOException {
    List<Path> written = ReleaseSchemas.release(resources, EventTypes.all());

    assertThat(written)
        .hasSize(EventTypes.all().size())
        .allSatisfy(path -> assertThat(path.getFileName()).hasToString("v1.avsc"));
    assertThat(Files.readString(resources.resolve("released/" + NAME + "/v1.avsc")))
        .isEqualTo(SchemaFormatter.format("json/pretty", TOKEN_ISSUED) + "\n");
  }

  @Test
  void shouldWriteNothingWhenNothingChangedSinceTheLastRelease() throws IOException {
    ReleaseSchemas.release(resources, EventTypes.all());

    assertThat(ReleaseSchemas.release(resources, EventTypes.all())).isEmpty();
  }

  @Test
  void shouldWriteTheNextVersionOfACompatiblyChangedSchema() throws IOException {
    ReleaseSchemas.release(resources, List.of(TOKEN_ISSUED));
    Schema next = withOptionalField(TOKEN_ISSUED);

    List<Path> written = ReleaseSchemas.release(resources, List.of(next));

    assertThat(written).containsExactly(resources.resolve("released/" + NAME + "/v2.avsc"));
    assertThat(ReleaseSchemas.versionsIn(resources, NAME))
        .extracting(Schema::toString)
        .containsExactly(TOKEN_ISSUED.toString(), next.toString());
  }

  @Test
  void shouldReleaseADocumentationChangeAsANewVersion() throws IOException {
    ReleaseSchemas.release(resources, List.of(TOKEN_ISSUED));
    Schema redocumented = edit(TOKEN_ISSUED, record -> record.put("doc", "Reworded."));

    assertThat(ReleaseSchemas.release(resources, List.of(redocumented))).hasSize(1);
  }

  @Test
  void shouldRefuseAnIncompatibleChangeAndWriteNothing() throws IOException {
    ReleaseSchemas.release(resources, List.of(TOKEN_ISSUED));
    Schema broken = edit(TOKEN_ISSUED, record -> addField(record, "new_field", "\"long\"", null));
    Schema compatible = EventTypes.all().get(1);

    assertThatThrownBy(() -> ReleaseSchemas.release(resources, List.of(compatible, broken)))
        .isInstanceOfSatisfying(
            IncompatibleReleaseException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .asString()
                    .contains(NAME + ": backward incompatible at TokenIssued.new_field"));
    assertThat(ReleaseSchemas.versionsIn(resources, NAME)).hasSize(1);
    assertThat(ReleaseSchemas.versionsIn(resources, compatible.getFullName())).isEmpty();
  }

  @Test
  void shouldCheckANewVersionAgainstEveryReleasedVersionNotOnlyTheLatest() throws IOException {
    // v1 has a required field, v2 drops it (it was written with a default in between), and v3
    // drops the default again: compatible with v2, but v1 readers could not read it.
    Schema v1 = edit(TOKEN_ISSUED, record -> addField(record, "legacy", "\"string\"", null));
    Schema v2 = edit(TOKEN_ISSUED, record -> addField(record, "legacy", "\"string\"", "\"\""));
    ReleaseSchemas.release(resources, List.of(v1));
    ReleaseSchemas.release(resources, List.of(v2));

    assertThatThrownBy(() -> ReleaseSchemas.release(resources, List.of(TOKEN_ISSUED)))
        .isInstanceOf(IncompatibleReleaseException.class)
        .hasMessageContaining("forward incompatible at TokenIssued.legacy");
  }

  @Test
  void shouldRejectReleasedVersionsWithAGap() throws IOException {
    Path folder = Files.createDirectories(resources.resolve("released/" + NAME));
    Files.writeString(folder.resolve("v1.avsc"), TOKEN_ISSUED.toString(), StandardCharsets.UTF_8);
    Files.writeString(folder.resolve("v3.avsc"), TOKEN_ISSUED.toString(), StandardCharsets.UTF_8);

    assertThatThrownBy(() -> ReleaseSchemas.versionsIn(resources, NAME))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gap");
  }

  @Test
  void shouldRejectAReleasedFileDefiningAnotherSchema() throws IOException {
    Path folder = Files.createDirectories(resources.resolve("released/" + NAME));
    Files.writeString(
        folder.resolve("v1.avsc"), EventTypes.all().get(1).toString(), StandardCharsets.UTF_8);

    assertThatThrownBy(() -> ReleaseSchemas.versionsIn(resources, NAME))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("IssuanceDenied");
  }

  private static Schema withOptionalField(Schema schema) {
    return edit(schema, record -> addField(record, "tenant_id", "[\"null\", \"string\"]", "null"));
  }
}
