package io.tokenwatch.schemas.compat;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.EventTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * The event schemas released so far, read from the classpath at {@code released/<full
 * name>/v<N>.avsc} (N = 1, 2, ... without gaps). Each file is self-contained: shared types are
 * inlined, exactly as the generated class's {@code getClassSchema()} printed it when the version
 * was cut.
 *
 * <p>Released versions are immutable history: data written with any of them may still sit in a
 * topic or the audit store, so every new schema must stay compatible with all of them (see {@link
 * ReleaseSchemas}). Stateless and thread-safe; files are re-read on every call.
 */
public final class ReleasedSchemas {

  /** Classpath (and resources directory) folder holding the released versions. */
  public static final String ROOT = "released";

  private ReleasedSchemas() {}

  /**
   * Every released version of the schema named {@code fullName}, oldest first; empty if it was
   * never released.
   *
   * @throws IllegalStateException if a released file cannot be parsed or names another schema
   */
  public static List<Schema> versions(String fullName) {
    requireNonNull(fullName, "fullName");
    List<Schema> versions = new ArrayList<>();
    for (int version = 1; ; version++) {
      String resource = resourceName(fullName, version);
      Optional<String> text = readResource(resource);
      if (text.isEmpty()) {
        return List.copyOf(versions);
      }
      versions.add(parse(text.get(), fullName, resource));
    }
  }

  /**
   * The released versions of every event type in {@link EventTypes#all()}, keyed by full name in
   * catalogue order; an event type never released maps to an empty list.
   *
   * @throws IllegalStateException if a released file cannot be parsed or names another schema
   */
  public static Map<String, List<Schema>> all() {
    Map<String, List<Schema>> all = new LinkedHashMap<>();
    for (Schema schema : EventTypes.all()) {
      all.put(schema.getFullName(), versions(schema.getFullName()));
    }
    return Collections.unmodifiableMap(all);
  }

  /** The path, relative to the resources root, of one released version. */
  static String resourceName(String fullName, int version) {
    return ROOT + "/" + fullName + "/v" + version + ".avsc";
  }

  /**
   * Parses one released file on its own: released files are self-contained, and a fresh parser
   * keeps one file's named types from leaking into the next.
   */
  static Schema parse(String text, String expectedFullName, String origin) {
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new IllegalStateException("released schema " + origin + " does not parse", e);
    }
    if (!schema.getFullName().equals(expectedFullName)) {
      throw new IllegalStateException(
          "released schema "
              + origin
              + " defines "
              + schema.getFullName()
              + ", expected "
              + expectedFullName);
    }
    return schema;
  }

  private static Optional<String> readResource(String resource) {
    ClassLoader loader = ReleasedSchemas.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        return Optional.empty();
      }
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
