package io.tokenwatch.schemas.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.schemas.EventTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The build's schema evolution guard: fails {@code mvn verify} when a current event schema could
 * not read, or could not be read by, data written with any released version.
 */
class ReleasedSchemaCompatibilityTest {

  /**
   * Surefire runs in the module folder, where the released files are kept under version control.
   */
  private static final Path RESOURCES = Path.of("src", "main", "resources");

  @Test
  void shouldHaveAReleasedVersionOfEveryEventType() {
    List<String> unreleased = new ArrayList<>();
    ReleasedSchemas.all()
        .forEach(
            (fullName, versions) -> {
              if (versions.isEmpty()) {
                unreleased.add(fullName);
              }
            });

    assertThat(unreleased)
        .as(
            "event types without a released schema; cut one with "
                + "'mvn -pl schemas compile exec:java' (see schemas/README.md)")
        .isEmpty();
  }

  @Test
  void shouldKeepEveryEventSchemaFullyCompatibleWithEveryReleasedVersion() {
    List<String> problems = new ArrayList<>();
    for (Schema current : EventTypes.all()) {
      for (String problem :
          CompatibilityChecker.check(
              current,
              ReleasedSchemas.versions(current.getFullName()),
              CompatibilityLevel.FULL_TRANSITIVE)) {
        problems.add(current.getFullName() + ": " + problem);
      }
    }

    assertThat(problems)
        .as(
            "changes that break FULL_TRANSITIVE compatibility with a released schema; "
                + "make the change compatible (see schemas/README.md)")
        .isEmpty();
  }

  @Test
  void shouldKeepReleasedFilesNumberedWithoutGapsAndNamedAfterAnEventType() throws IOException {
    List<Path> folders;
    try (Stream<Path> listing = Files.list(RESOURCES.resolve(ReleasedSchemas.ROOT))) {
      folders = listing.toList();
    }

    assertThat(folders)
        .extracting(folder -> folder.getFileName().toString())
        .allSatisfy(name -> assertThat(EventTypes.forFullName(name)).as(name).isPresent());
    for (Path folder : folders) {
      String fullName = folder.getFileName().toString();
      assertThat(ReleaseSchemas.versionsIn(RESOURCES, fullName))
          .as(fullName)
          .hasSameSizeAs(ReleasedSchemas.versions(fullName));
    }
  }

  @Test
  void shouldReadEveryReleasedVersionAsAFreshlyParsedSchemaOfItsEventType() {
    ReleasedSchemas.all()
        .forEach(
            (fullName, versions) ->
                assertThat(versions)
                    .allSatisfy(schema -> assertThat(schema.getFullName()).isEqualTo(fullName)));
  }
}
