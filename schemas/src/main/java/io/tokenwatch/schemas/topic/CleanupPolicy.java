package io.tokenwatch.schemas.topic;

import java.util.Locale;

/** Kafka's {@code cleanup.policy}, as a type. */
public enum CleanupPolicy {
  /** Segments are deleted once older than the retention. */
  DELETE,
  /** Only the latest record per key is kept; tombstones remove keys. */
  COMPACT;

  /** The value of the {@code cleanup.policy} topic setting. */
  public String configValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
