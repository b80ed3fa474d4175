package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What a validator's status report says that the validator rules judge.
 *
 * @param eventId the report's event id
 * @param validatorId the validator
 * @param audience the audience it validates for, when it has one
 * @param occurredAt when the validator took the report, by its clock
 * @param startedAt when the validator's reporter started, by its clock
 * @param sequence the report's number since the validator started
 * @param interval how often the validator reports
 * @param ready whether its feed has bootstrapped
 * @param stalenessMs milliseconds since its feed was last caught up; null while not ready
 */
public record ValidatorReport(
    String eventId,
    String validatorId,
    @Nullable String audience,
    Instant occurredAt,
    Instant startedAt,
    long sequence,
    Duration interval,
    boolean ready,
    @Nullable Long stalenessMs) {

  public ValidatorReport {
    requireNonNull(eventId, "eventId");
    requireNonNull(validatorId, "validatorId");
    requireNonNull(occurredAt, "occurredAt");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(interval, "interval");
    if (validatorId.isBlank()) {
      throw new IllegalArgumentException("validatorId must not be blank");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive: " + interval);
    }
    if (stalenessMs != null && stalenessMs < 0) {
      throw new IllegalArgumentException("stalenessMs must be >= 0: " + stalenessMs);
    }
  }

  /**
   * How far behind the feed may be: its staleness once ready; before that, the time since the
   * validator started, so a validator still bootstrapping is not stale until it has taken longer
   * than the budget.
   */
  public long staleForMs() {
    if (ready && stalenessMs != null) {
      return stalenessMs;
    }
    return Math.max(0, occurredAt.toEpochMilli() - startedAt.toEpochMilli());
  }
}
