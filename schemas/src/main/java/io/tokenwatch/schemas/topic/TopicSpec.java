package io.tokenwatch.schemas.topic;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a topic is laid out on the cluster.
 *
 * @param partitions partitions to create the topic with; shards the streams apps' state by key
 * @param cleanupPolicy delete, compact or both; a topic found with another policy is an error
 * @param retention how long records are kept ({@code retention.ms}); for compacted topics, how long
 *     tombstones stay readable ({@code delete.retention.ms}); for compact-and-delete topics, how
 *     long even the latest record of a key is kept
 */
public record TopicSpec(int partitions, CleanupPolicy cleanupPolicy, Duration retention) {

  public TopicSpec {
    requireNonNull(cleanupPolicy, "cleanupPolicy");
    requireNonNull(retention, "retention");
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
    }
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("retention must be positive, was " + retention);
    }
  }

  /** The topic-level settings to create the topic with. */
  public Map<String, String> configs() {
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put("cleanup.policy", cleanupPolicy.configValue());
    if (cleanupPolicy.compacts()) {
      // Compact often enough that expired revocations leave the feed within minutes, so a new
      // validator bootstraps from live revocations only (and a reader of status reports reads
      // about an hour of history rather than a day).
      configs.put("min.cleanable.dirty.ratio", "0.1");
      configs.put("segment.ms", Long.toString(Duration.ofHours(1).toMillis()));
    }
    if (cleanupPolicy == CleanupPolicy.COMPACT) {
      configs.put("delete.retention.ms", Long.toString(retention.toMillis()));
    } else {
      configs.put("retention.ms", Long.toString(retention.toMillis()));
    }
    return Map.copyOf(configs);
  }
}
