package io.tokenwatch.schemas.topic;

import java.util.Locale;
import java.util.Set;

/** Kafka's {@code cleanup.policy}, as a type. */
public enum CleanupPolicy {
  /** Segments are deleted once older than the retention. */
  DELETE,
  /** Only the latest record per key is kept; tombstones remove keys. */
  COMPACT,
  /**
   * Both: the latest record per key is kept, and even that is deleted once older than the
   * retention, so a key that stops being written leaves the topic.
   */
  COMPACT_DELETE;

  /** The value of the {@code cleanup.policy} topic setting. */
  public String configValue() {
    return this == COMPACT_DELETE ? "compact,delete" : name().toLowerCase(Locale.ROOT);
  }

  /** The policies {@link #configValue()} names, as a broker lists them in any order. */
  public Set<String> configValues() {
    return Set.of(configValue().split(","));
  }

  /** Whether the latest record per key is kept. */
  public boolean compacts() {
    return this != DELETE;
  }
}
