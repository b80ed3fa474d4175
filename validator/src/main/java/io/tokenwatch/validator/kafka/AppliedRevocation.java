package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * One revocation record a validator applied.
 *
 * @param topic the revocation topic it came from (the feed or the fast path)
 * @param partition its partition
 * @param offset its offset
 * @param selector its key, the revocation selector as text ({@code token:<jti>}, ...)
 * @param recordTimestamp the record's Kafka timestamp
 * @param appliedAt when the validator applied it, by the validator's clock
 */
public record AppliedRevocation(
    String topic,
    int partition,
    long offset,
    String selector,
    Instant recordTimestamp,
    Instant appliedAt) {

  public AppliedRevocation {
    requireNonNull(topic, "topic");
    requireNonNull(selector, "selector");
    requireNonNull(recordTimestamp, "recordTimestamp");
    requireNonNull(appliedAt, "appliedAt");
    if (partition < 0) {
      throw new IllegalArgumentException("partition must be >= 0: " + partition);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0: " + offset);
    }
  }

  /** How long the revocation took from its producer to this validator (negative clocks: zero). */
  public Duration propagation() {
    Duration d = Duration.between(recordTimestamp, appliedAt);
    return d.isNegative() ? Duration.ZERO : d;
  }
}
