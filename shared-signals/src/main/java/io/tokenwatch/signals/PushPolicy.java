package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How push delivery (RFC 8935) waits and retries: the request timeout, exponential backoff with
 * jitter between attempts, and how old a stream's oldest undelivered SET may grow before the stream
 * is disabled.
 *
 * @param timeout how long one POST may take
 * @param backoffInitial the wait after the first failed attempt
 * @param backoffMax the longest wait between attempts
 * @param maxPendingAge the age of a stream's oldest undelivered SET at which the stream is disabled
 */
public record PushPolicy(
    Duration timeout, Duration backoffInitial, Duration backoffMax, Duration maxPendingAge) {

  public PushPolicy {
    requireNonNull(timeout, "timeout");
    requireNonNull(backoffInitial, "backoffInitial");
    requireNonNull(backoffMax, "backoffMax");
    requireNonNull(maxPendingAge, "maxPendingAge");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (backoffInitial.isNegative() || backoffInitial.isZero()) {
      throw new IllegalArgumentException("backoffInitial must be positive");
    }
    if (backoffMax.compareTo(backoffInitial) < 0) {
      throw new IllegalArgumentException("backoffMax must be at least backoffInitial");
    }
    if (maxPendingAge.isNegative() || maxPendingAge.isZero()) {
      throw new IllegalArgumentException("maxPendingAge must be positive");
    }
  }

  /**
   * The wait before attempt {@code failures + 1}: {@code backoffInitial * 2^(failures-1)} capped at
   * {@code backoffMax}, of which the upper half is jittered by {@code random} in [0, 1) so failing
   * streams do not retry in lockstep. Never shorter than half the capped value.
   */
  public Duration backoff(int failures, double random) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures must be at least 1");
    }
    if (random < 0 || random >= 1) {
      throw new IllegalArgumentException("random must be in [0, 1)");
    }
    long initial = backoffInitial.toMillis();
    long max = backoffMax.toMillis();
    int shift = Math.min(failures - 1, 30);
    long capped = initial > (max >> shift) ? max : Math.min(max, initial << shift);
    long half = capped / 2;
    return Duration.ofMillis(capped - half + (long) (half * random));
  }
}
