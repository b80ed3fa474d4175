package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Where a {@link RevocationFeed} stands, for status reports.
 *
 * @param ready whether it has bootstrapped
 * @param stalenessMillis milliseconds since it was last known caught up; -1 while not ready
 * @param lag records behind the end offsets at its last check; -1 before the first check
 * @param positions the next offset to read on every partition it has read or checked, ordered by
 *     topic and partition
 * @param liveRevocations revocations held (token ids and selectors, feed and fast path)
 */
public record FeedStatus(
    boolean ready, long stalenessMillis, long lag, List<Position> positions, long liveRevocations) {

  public FeedStatus {
    positions = List.copyOf(requireNonNull(positions, "positions"));
  }

  /** The next offset to read on one partition of a revocation topic. */
  public record Position(String topic, int partition, long nextOffset) {

    public Position {
      requireNonNull(topic, "topic");
    }
  }
}
