package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The thresholds of VALIDATOR_SILENT and VALIDATOR_STALE, by the detector's wall clock.
 *
 * @param silentAfter a validator is silent when no report came for this long; zero: three of its
 *     own reporting intervals, at least {@link #MIN_SILENT_AFTER}
 * @param maxStaleness a validator whose report says its feed is staler than this is stale
 * @param forgetAfter what the detector knows of a validator is dropped once it has been silent this
 *     long (a validator taken out of service)
 * @param checkInterval how often the detector looks for silent validators
 */
public record ValidatorThresholds(
    Duration silentAfter, Duration maxStaleness, Duration forgetAfter, Duration checkInterval) {

  /** The least time without a report before a validator counts as silent by default. */
  public static final Duration MIN_SILENT_AFTER = Duration.ofSeconds(15);

  /** Silence after this many of a validator's own reporting intervals, by default. */
  public static final int MISSED_REPORTS = 3;

  public ValidatorThresholds {
    requireNonNull(silentAfter, "silentAfter");
    requireNonNull(maxStaleness, "maxStaleness");
    requireNonNull(forgetAfter, "forgetAfter");
    requireNonNull(checkInterval, "checkInterval");
    if (silentAfter.isNegative()) {
      throw new IllegalArgumentException("silentAfter must not be negative");
    }
    if (maxStaleness.isNegative() || maxStaleness.isZero()) {
      throw new IllegalArgumentException("maxStaleness must be positive");
    }
    if (checkInterval.isNegative() || checkInterval.isZero()) {
      throw new IllegalArgumentException("checkInterval must be positive");
    }
    if (forgetAfter.compareTo(silentAfter) <= 0 || forgetAfter.compareTo(MIN_SILENT_AFTER) <= 0) {
      throw new IllegalArgumentException("forgetAfter must exceed the silence threshold");
    }
  }

  /** How long a validator reporting every {@code interval} may go without a report. */
  public Duration silentAfter(Duration interval) {
    requireNonNull(interval, "interval");
    if (!silentAfter.isZero()) {
      return silentAfter;
    }
    Duration missed = interval.multipliedBy(MISSED_REPORTS);
    return missed.compareTo(MIN_SILENT_AFTER) < 0 ? MIN_SILENT_AFTER : missed;
  }
}
