package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;

/** A hash chain: one per source topic partition. Ordered by topic, then partition. */
public record ChainKey(String topic, int partition) implements Comparable<ChainKey> {

  private static final Comparator<ChainKey> ORDER =
      Comparator.comparing(ChainKey::topic).thenComparingInt(ChainKey::partition);

  public ChainKey {
    requireNonNull(topic, "topic");
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0: " + partition);
    }
  }

  @Override
  public int compareTo(ChainKey other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return topic + "/" + partition;
  }
}
