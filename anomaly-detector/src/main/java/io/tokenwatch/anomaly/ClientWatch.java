package io.tokenwatch.anomaly;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the detector remembers of one client: its use rate and moving baseline, the scopes it was
 * granted, and its recent refused issuances. Mutable; changed only by {@link ClientRules}.
 */
public final class ClientWatch {

  /** Per source partition: uses per bucket. */
  Map<Integer, TreeMap<Long, Long>> buckets = new TreeMap<>();

  long firstBucket = Long.MIN_VALUE;
  TreeMap<Long, List<String>> bucketEventIds = new TreeMap<>();

  long scopesSince;
  Map<String, Long> grantedScopes = new TreeMap<>();

  Recent scopeDenials = new Recent();

  long lastEventAt;

  public ClientWatch() {}

  /** Event time (epoch ms) from which this state may be dropped. */
  public long forgetAt(DetectionSettings settings) {
    long keep =
        Math.max(
            settings.scopeBaselineRetention().toMillis(),
            settings.spikeBucket().toMillis() * Math.max(1, settings.spikeMinHistory()) * 4L);
    return lastEventAt + keep;
  }

  /** Uses counted in {@code bucket} (epoch ms divided by the bucket length), all partitions. */
  public long uses(long bucket) {
    long sum = 0;
    for (TreeMap<Long, Long> counts : buckets.values()) {
      sum += counts.getOrDefault(bucket, 0L);
    }
    return sum;
  }
}
