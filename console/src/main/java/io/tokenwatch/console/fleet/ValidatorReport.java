package io.tokenwatch.console.fleet;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One status report of a validator, as the console keeps it (the {@code ValidatorStatus} event
 * without its Avro types).
 *
 * @param validatorId who reports
 * @param audience the audience it protects, or null
 * @param occurredAt when it took the report, by its clock
 * @param startedAt when its reporter started; a later one means it restarted
 * @param sequence the report's number since {@code startedAt}, from 1
 * @param interval how often it reports
 * @param ready whether its feed has bootstrapped
 * @param staleness how far behind its feed may be; null while not ready
 * @param positions its feed's next offset per revocation-topic partition
 * @param liveRevocations revocations it holds
 * @param recent revocations applied since its previous report, oldest first
 * @param recentDropped applied revocations no delivered report lists
 */
public record ValidatorReport(
    String validatorId,
    @Nullable String audience,
    Instant occurredAt,
    Instant startedAt,
    long sequence,
    Duration interval,
    boolean ready,
    @Nullable Duration staleness,
    List<Position> positions,
    long liveRevocations,
    List<Applied> recent,
    long recentDropped) {

  public ValidatorReport {
    requireNonNull(validatorId, "validatorId");
    requireNonNull(occurredAt, "occurredAt");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive: " + interval);
    }
    positions = List.copyOf(positions);
    recent = List.copyOf(recent);
  }

  /** The staleness, when the feed has one. */
  public Optional<Duration> stalenessIfKnown() {
    return Optional.ofNullable(staleness);
  }

  /** The next offset to read on {@code topic}-{@code partition}, when the feed reads it. */
  public Optional<Long> nextOffset(String topic, int partition) {
    for (Position position : positions) {
      if (position.topic().equals(topic) && position.partition() == partition) {
        return Optional.of(position.nextOffset());
      }
    }
    return Optional.empty();
  }

  /** How far the feed has read one revocation-topic partition. */
  public record Position(String topic, int partition, long nextOffset) {
    public Position {
      requireNonNull(topic, "topic");
    }
  }

  /**
   * One revocation record the validator applied.
   *
   * @param recordTimestamp when the record was produced
   * @param appliedAt when the validator applied it, by its clock
   */
  public record Applied(
      String topic,
      int partition,
      long offset,
      String selector,
      Instant recordTimestamp,
      Instant appliedAt) {
    public Applied {
      requireNonNull(topic, "topic");
      requireNonNull(selector, "selector");
      requireNonNull(recordTimestamp, "recordTimestamp");
      requireNonNull(appliedAt, "appliedAt");
    }

    /** How long the record took from its producer to this validator (never negative). */
    public Duration propagation() {
      Duration took = Duration.between(recordTimestamp, appliedAt);
      return took.isNegative() ? Duration.ZERO : took;
    }
  }
}
