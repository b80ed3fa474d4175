package io.tokenwatch.bench.comparison;

/**
 * Decision latencies at 100 ns resolution up to 100 ms (longer ones land in the last bucket and
 * raise the maximum), for one thread at a time; merged after a phase. Percentiles are nearest-rank.
 */
final class Histogram {
  private static final int BUCKETS = 1_000_000;

  private final long[] counts = new long[BUCKETS];
  private long total;
  private long maxNanos;

  void record(long nanos) {
    int bucket = (int) Math.min(BUCKETS - 1, Math.max(0, nanos / 100));
    counts[bucket]++;
    total++;
    maxNanos = Math.max(maxNanos, nanos);
  }

  void add(Histogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    maxNanos = Math.max(maxNanos, other.maxNanos);
  }

  long count() {
    return total;
  }

  /** The nearest-rank percentile in ms (the bucket's upper edge; the maximum past 100 ms). */
  double percentileMillis(double p) {
    long rank = Math.max(1, (long) Math.ceil(p * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i == BUCKETS - 1 ? maxNanos / 1e6 : (i + 1) / 10_000.0;
      }
    }
    return maxNanos / 1e6;
  }

  double maxMillis() {
    return maxNanos / 1e6;
  }
}
