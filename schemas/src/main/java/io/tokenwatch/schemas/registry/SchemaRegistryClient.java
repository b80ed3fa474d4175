package io.tokenwatch.schemas.registry;

import io.tokenwatch.schemas.compat.CompatibilityLevel;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * The schema registry operations Tokenwatch uses: the Avro subset of the Confluent Schema Registry
 * REST API.
 *
 * <p>Every method may throw {@link SchemaRegistryException} when the registry refuses the request
 * (see {@link SchemaRegistryException.Reason}) and {@link SchemaRegistryUnavailableException} when
 * no registry could be reached. Implementations are thread-safe.
 */
public interface SchemaRegistryClient {

  /**
   * Registers {@code schema} under {@code subject} (idempotent: an already registered schema
   * returns its existing id).
   *
   * @return the global schema id
   * @throws SchemaRegistryException with {@code INCOMPATIBLE} when the subject's compatibility
   *     level rejects the schema, or {@code INVALID_SCHEMA}
   */
  int register(String subject, Schema schema);

  /**
   * Fetches a schema by its global id.
   *
   * @throws SchemaRegistryException with {@code SCHEMA_NOT_FOUND} for an unknown id
   */
  Schema getById(int id);

  /**
   * Fetches the latest version registered under {@code subject}.
   *
   * @throws SchemaRegistryException with {@code SUBJECT_NOT_FOUND} for an unknown subject
   */
  RegisteredSchema getLatest(String subject);

  /**
   * Finds {@code schema} among the versions of {@code subject} without registering it.
   *
   * @throws SchemaRegistryException with {@code SUBJECT_NOT_FOUND} or {@code SCHEMA_NOT_FOUND} when
   *     it is not registered there
   */
  RegisteredSchema lookup(String subject, Schema schema);

  /** All subjects, in the registry's order. */
  List<String> subjects();

  /**
   * The versions registered under {@code subject}, ascending.
   *
   * @throws SchemaRegistryException with {@code SUBJECT_NOT_FOUND} for an unknown subject
   */
  List<Integer> versions(String subject);

  /**
   * Asks whether {@code schema} could be registered under {@code subject} now, with the registry's
   * reasons when it could not.
   */
  CompatibilityResult testCompatibility(String subject, Schema schema);

  /** The registry-wide default compatibility level. */
  CompatibilityLevel globalCompatibility();

  /** Sets the registry-wide default compatibility level. */
  void setGlobalCompatibility(CompatibilityLevel level);

  /**
   * The compatibility level set on {@code subject} itself, or empty when the subject follows the
   * global level.
   */
  Optional<CompatibilityLevel> subjectCompatibility(String subject);

  /** Sets the compatibility level of {@code subject}. */
  void setSubjectCompatibility(String subject, CompatibilityLevel level);
}
