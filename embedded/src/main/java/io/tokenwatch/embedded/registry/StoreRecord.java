package io.tokenwatch.embedded.registry;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.compat.CompatibilityLevel;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the registry's log. Replaying every entry in order rebuilds the registry; a later
 * entry with the same key (see {@link StoreRecordCodec#key}) replaces an earlier one, which is what
 * lets the log live in a compacted topic.
 */
sealed interface StoreRecord permits StoreRecord.SchemaVersion, StoreRecord.SubjectConfig {

  /** A schema registered under a subject as one version, possibly soft-deleted later. */
  record SchemaVersion(String subject, int version, int id, String schema, boolean deleted)
      implements StoreRecord {
    public SchemaVersion {
      requireNonNull(subject, "subject");
      requireNonNull(schema, "schema");
      if (version < 1) {
        throw new IllegalArgumentException("version must be positive: " + version);
      }
      if (id < 1) {
        throw new IllegalArgumentException("id must be positive: " + id);
      }
    }

    SchemaVersion asDeleted() {
      return new SchemaVersion(subject, version, id, schema, true);
    }
  }

  /**
   * The compatibility level of one subject, or the global one when {@code subject} is null. A null
   * {@code level} removes a subject's own level (the subject falls back to the global one).
   */
  record SubjectConfig(@Nullable String subject, @Nullable CompatibilityLevel level)
      implements StoreRecord {
    public SubjectConfig {
      if (subject == null && level == null) {
        throw new IllegalArgumentException("the global compatibility level cannot be removed");
      }
    }
  }
}
