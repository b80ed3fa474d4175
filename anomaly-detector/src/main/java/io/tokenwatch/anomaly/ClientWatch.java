package io.tokenwatch.anomaly;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the detector remembers of one client: its use rate and moving baseline, the scopes it was
 * granted, and its recent refused issuances. Mutable; changed only by {@link ClientRules}.
 */
public final class ClientWatch {

  /** Uses per bucket, the bucket's and the baseline's. */
  TreeMap<Long, Long> counts = new TreeMap<>();

  /**
   * Uses per bucket per source partition, as releases before the per-client rules saw their input
   * in event-time order wrote it; read once into {@link #counts} and then left empty.
   */
  Map<Integer, TreeMap<Long, Long>> buckets = new TreeMap<>();

  /**
   * The most uses of one bucket in each hour (epoch hours) of the last {@value
   * ClientRules#SEASON_DAYS} days and one: the client's rhythm by time of day (a nightly batch, a
   * morning peak).
   */
  TreeMap<Long, Long> hourlyPeak = new TreeMap<>();

  long firstBucket = Long.MIN_VALUE;
  TreeMap<Long, List<String>> bucketEventIds = new TreeMap<>();

  long scopesSince;
  Map<String, Long> grantedScopes = new TreeMap<>();

  /** Recent refusals for scopes beyond policy, per subject ({@code ""} for none). */
  TreeMap<String, Recent> scopeDenialsBySubject = new TreeMap<>();

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

  /** Uses counted in {@code bucket} (epoch ms divided by the bucket length). */
  public long uses(long bucket) {
    migrate();
    return counts.getOrDefault(bucket, 0L);
  }

  /** Folds the per-partition counts of an earlier release into {@link #counts}. */
  void migrate() {
    if (buckets.isEmpty()) {
      return;
    }
    for (TreeMap<Long, Long> partition : buckets.values()) {
      partition.forEach((bucket, n) -> counts.merge(bucket, n, Long::sum));
    }
    buckets = new TreeMap<>();
  }
}
