package io.tokenwatch.cli.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures how long a revocation takes to reach every validator: from the moment the revoking call
 * returned to the moment each validator's revocation view covers the token. Looks through {@link
 * Gateway#revocationCovering}, which counts no use, so measuring does not itself look like a replay
 * of the revoked token.
 */
final class Propagation {

  private final List<Gateway> gateways;
  private final List<Long> samplesMicros = Collections.synchronizedList(new ArrayList<>());

  Propagation(List<Gateway> gateways) {
    this.gateways = List.copyOf(gateways);
  }

  /**
   * Waits until every validator knows a revocation covering {@code token}, recording one sample per
   * validator.
   *
   * @param revokedAtNanos {@link System#nanoTime()} when the revoking call returned
   * @return whether every validator covered the token within {@code timeout}
   */
  boolean await(String token, long revokedAtNanos, Duration timeout) {
    boolean[] covered = new boolean[gateways.size()];
    int remaining = gateways.size();
    long deadline = revokedAtNanos + timeout.toNanos();
    while (remaining > 0 && System.nanoTime() < deadline) {
      for (int i = 0; i < covered.length; i++) {
        if (!covered[i] && gateways.get(i).revocationCovering(token).isPresent()) {
          covered[i] = true;
          remaining--;
          samplesMicros.add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - revokedAtNanos));
        }
      }
      LockSupport.parkNanos(20_000);
    }
    return remaining == 0;
  }

  int samples() {
    return samplesMicros.size();
  }

  /** "p50 0.9 ms, p99 3.1 ms, max 4.0 ms over 36 samples (12 revocations x 3 validators)". */
  String summary() {
    List<Long> sorted;
    synchronized (samplesMicros) {
      sorted = new ArrayList<>(samplesMicros);
    }
    if (sorted.isEmpty()) {
      return "no samples";
    }
    Collections.sort(sorted);
    return String.format(
        Locale.ROOT,
        "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms over %d samples (%d revocations x %d"
            + " validators)",
        percentile(sorted, 0.50),
        percentile(sorted, 0.90),
        percentile(sorted, 0.99),
        sorted.get(sorted.size() - 1) / 1000.0,
        sorted.size(),
        sorted.size() / gateways.size(),
        gateways.size());
  }

  /** Nearest-rank percentile in milliseconds. */
  private static double percentile(List<Long> sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, rank - 1)) / 1000.0;
  }
}
