package io.tokenwatch.anomaly;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the detector remembers of one client: its use rate and moving baseline, the scopes it was
 * granted, and its recent refused issuances. Mutable; changed only by {@link ClientRules}.
 */
public final class ClientWatch {

  long bucket = Long.MIN_VALUE;
  long bucketCount;
  long bucketFirstAt;
  List<String> bucketEventIds = new ArrayList<>();
  double baseline;
  long bucketsSeen;

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

  /** The moving baseline, in uses per bucket. */
  public double baseline() {
    return baseline;
  }
}
