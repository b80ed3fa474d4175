package io.tokenwatch.schemas.compat;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.EventTypes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;

/**
 * Cuts the next schema release: for every event type whose current schema differs from its latest
 * released version (or that was never released), writes {@code released/<full name>/v<N+1>.avsc}
 * under a resources directory.
 *
 * <p>Refuses, writing nothing at all, when any changed schema is not {@link
 * CompatibilityLevel#FULL_TRANSITIVE} compatible with every version already released. Any textual
 * change counts as a change, documentation included, because a schema registry registers the new
 * text as a new version too.
 *
 * <p>Usage: {@code ReleaseSchemas <resources dir>}, e.g. {@code schemas/src/main/resources}.
 */
public final class ReleaseSchemas {

  private static final Pattern VERSION_FILE = Pattern.compile("v([1-9][0-9]*)\\.avsc");

  private ReleaseSchemas() {}

  /**
   * Writes the next release of every changed event schema under {@code args[0]}; exits with status
   * 1 on an incompatible schema and 2 on bad usage.
   */
  public static void main(String[] args) throws IOException {
    // A developer tool run from the build: its console is its user interface.
    PrintStream out = System.out;
    PrintStream err = System.err;
    if (args.length != 1) {
      err.println("usage: ReleaseSchemas <resources dir>");
      System.exit(2);
    }
    List<Path> written;
    try {
      written = release(Path.of(args[0]), EventTypes.all());
    } catch (IncompatibleReleaseException e) {
      err.println(e.getMessage());
      System.exit(1);
      return;
    }
    if (written.isEmpty()) {
      out.println("No schema changed since its last release; nothing written.");
    }
    for (Path path : written) {
      out.println("Released " + path);
    }
  }

  /**
   * Writes {@code v<N+1>.avsc} for every schema in {@code current} that differs from its latest
   * released version under {@code resourcesDir}, and {@code v1.avsc} for one never released.
   *
   * @return the files written, in the order of {@code current}; empty when nothing changed
   * @throws IncompatibleReleaseException if a changed schema is incompatible with an earlier
   *     version; nothing is written then
   * @throws IllegalStateException if the released files are malformed (unparseable, misnamed,
   *     numbered with gaps)
   */
  static List<Path> release(Path resourcesDir, List<Schema> current) throws IOException {
    requireNonNull(resourcesDir, "resourcesDir");
    requireNonNull(current, "current");
    Map<Path, Schema> toWrite = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Schema schema : current) {
      List<Schema> released = versionsIn(resourcesDir, schema.getFullName());
      if (!released.isEmpty() && sameText(released.get(released.size() - 1), schema)) {
        continue;
      }
      for (String problem :
          CompatibilityChecker.check(schema, released, CompatibilityLevel.FULL_TRANSITIVE)) {
        problems.add(schema.getFullName() + ": " + problem);
      }
      toWrite.put(
          resourcesDir.resolve(
              ReleasedSchemas.resourceName(schema.getFullName(), released.size() + 1)),
          schema);
    }
    if (!problems.isEmpty()) {
      throw new IncompatibleReleaseException(problems);
    }
    for (Map.Entry<Path, Schema> entry : toWrite.entrySet()) {
      Files.createDirectories(entry.getKey().getParent());
      Files.writeString(
          entry.getKey(),
          SchemaFormatter.format("json/pretty", entry.getValue()) + "\n",
          StandardCharsets.UTF_8);
    }
    return List.copyOf(toWrite.keySet());
  }

  /**
   * The released versions of {@code fullName} found on disk under {@code resourcesDir}, oldest
   * first.
   *
   * @throws IllegalStateException if the folder holds anything but {@code v1.avsc .. vN.avsc}
   */
  static List<Schema> versionsIn(Path resourcesDir, String fullName) throws IOException {
    Path folder = resourcesDir.resolve(ReleasedSchemas.ROOT).resolve(fullName);
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    TreeMap<Integer, Path> files = new TreeMap<>();
    try (Stream<Path> listing = Files.list(folder)) {
      for (Path file : (Iterable<Path>) listing::iterator) {
        Matcher matcher = VERSION_FILE.matcher(file.getFileName().toString());
        if (!matcher.matches()) {
          throw new IllegalStateException(
              "unexpected file " + file + ": released versions are named v<N>.avsc");
        }
        files.put(Integer.parseInt(matcher.group(1)), file);
      }
    }
    List<Schema> versions = new ArrayList<>();
    for (Map.Entry<Integer, Path> entry : files.entrySet()) {
      if (entry.getKey() != versions.size() + 1) {
        throw new IllegalStateException(
            "released versions of " + fullName + " have a gap before " + entry.getValue());
      }
      versions.add(
          ReleasedSchemas.parse(
              Files.readString(entry.getValue(), StandardCharsets.UTF_8),
              fullName,
              entry.getValue().toString()));
    }
    return versions;
  }

  /**
   * Compares the printed form rather than {@link Schema#equals}, which ignores documentation: a
   * documentation change is still a new version to a schema registry.
   */
  private static boolean sameText(Schema released, Schema current) {
    return released.toString().equals(current.toString());
  }

  /** A changed schema cannot be released because it breaks compatibility with earlier versions. */
  static final class IncompatibleReleaseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    IncompatibleReleaseException(List<String> problems) {
      super(
          "Refusing to release: not "
              + CompatibilityLevel.FULL_TRANSITIVE
              + " compatible with earlier releases:\n  "
              + String.join("\n  ", problems));
      this.problems = List.copyOf(problems);
    }

    List<String> problems() {
      return problems;
    }
  }
}
