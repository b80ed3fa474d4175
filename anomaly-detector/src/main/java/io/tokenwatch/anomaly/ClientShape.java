package io.tokenwatch.anomaly;

import java.util.TreeMap;

/**
 * How one client's tokens are normally used, as the per-token rules learn it on one partition of
 * the use topic: the most source networks any of its tokens was seen from within the spread window,
 * per day. A client whose replicas run in several networks, or whose people carry their tokens
 * between office, home and mobile, learns a higher number than one that runs in a single network.
 * Mutable; changed only by {@link TokenRules}.
 */
public final class ClientShape {

  private static final long DAY_MS = 86_400_000L;

  /** The most networks per token, by day (epoch day). */
  TreeMap<Long, Integer> networksPerToken = new TreeMap<>();

  long since;
  long lastEventAt;

  public ClientShape() {}

  /** Notes that a token of the client was seen from {@code networks} networks at {@code at}. */
  void observe(long at, int networks, DetectionSettings settings) {
    if (since == 0 || at < since) {
      since = at;
    }
    lastEventAt = Math.max(lastEventAt, at);
    networksPerToken.merge(Math.floorDiv(at, DAY_MS), networks, Math::max);
    networksPerToken
        .headMap(Math.floorDiv(at - settings.networkRetention().toMillis(), DAY_MS))
        .clear();
  }

  /**
   * The most networks per token learned by {@code at}, or 0 while the client is still being learned
   * (then only the configured threshold applies).
   */
  int usualNetworks(long at, DetectionSettings settings) {
    if (learning(at, settings)) {
      return 0;
    }
    long from = Math.floorDiv(at - settings.networkRetention().toMillis(), DAY_MS);
    int usual = 0;
    for (int n : networksPerToken.tailMap(from).values()) {
      usual = Math.max(usual, n);
    }
    return usual;
  }

  /** Whether the client is still being learned at {@code at}: nothing observed for long enough. */
  boolean learning(long at, DetectionSettings settings) {
    return since == 0 || at - since < settings.networkLearning().toMillis();
  }

  /** Event time (epoch ms) from which this state may be dropped. */
  public long forgetAt(DetectionSettings settings) {
    return lastEventAt + settings.networkRetention().toMillis();
  }
}
