package io.tokenwatch.schemas.registry;

import static java.util.Objects.requireNonNull;

import org.apache.avro.Schema;

/**
 * One version of a schema under a subject, as the registry reports it.
 *
 * @param subject the subject, e.g. {@code tokenwatch.token-issued-value}
 * @param version the version number within the subject, from 1
 * @param id the global schema id that goes on the wire
 * @param schema the Avro schema
 */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {
  /** Validates the fields. */
  public RegisteredSchema {
    requireNonNull(subject, "subject");
    requireNonNull(schema, "schema");
    if (version < 1) {
      throw new IllegalArgumentException("version must be positive, was " + version);
    }
    if (id < 0) {
      throw new IllegalArgumentException("id must not be negative, was " + id);
    }
  }
}
