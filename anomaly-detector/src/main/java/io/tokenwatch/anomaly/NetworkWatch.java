package io.tokenwatch.anomaly;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The source networks one client and subject were seen from, and since when they are learned.
 * Mutable; changed only by {@link ClientRules}.
 */
public final class NetworkWatch {

  /** Most networks remembered per client and subject; the least recently seen go first. */
  static final int MAX_NETWORKS = 256;

  long learningSince;
  Map<String, Sighting> networks = new LinkedHashMap<>();
  long lastEventAt;

  public NetworkWatch() {}

  /** Event time (epoch ms) from which this state may be dropped. */
  public long forgetAt(DetectionSettings settings) {
    return lastEventAt + settings.networkRetention().toMillis();
  }
}
