package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.console.fleet.Fleet;
import io.tokenwatch.console.fleet.RevocationRecords;
import io.tokenwatch.console.fleet.ValidatorReport;
import io.tokenwatch.events.AppliedRevocation;
import io.tokenwatch.events.FeedPosition;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a {@link Fleet} and the {@link RevocationRecords} current: follows {@code
 * tokenwatch.validator-status} (the latest reports and about an hour of history) and both
 * revocation topics (the feed and the issuer's fast path), from their recent end. Close to stop
 * following. Thread-safe.
 */
public final class FleetWatch implements AutoCloseable {

  /** Status reports read back per partition at start: enough for every validator's latest. */
  static final long STATUS_LOOKBACK = 2_000;

  /** Revocation records read back per partition at start. */
  static final long REVOCATION_LOOKBACK = 500;

  /** Starts a topic tail; {@code ConsoleContext::tail} in the console. */
  public interface Tails {
    <V extends SpecificRecord> TopicTail<V> tail(
        Topic<String, V> topic, long lookback, Consumer<ConsumerRecord<String, @Nullable V>> each);
  }

  private final Fleet fleet;
  private final RevocationRecords records = new RevocationRecords();
  private final List<TopicTail<?>> tails = new ArrayList<>();

  private FleetWatch(Duration maxStaleness) {
    this.fleet = new Fleet(maxStaleness);
  }

  /** Starts following the status and revocation topics. */
  public static FleetWatch start(Tails tails, Duration maxStaleness) {
    requireNonNull(tails, "tails");
    FleetWatch watch = new FleetWatch(maxStaleness);
    try {
      watch.tails.add(tails.tail(Topics.VALIDATOR_STATUS, STATUS_LOOKBACK, watch::status));
      watch.tails.add(tails.tail(Topics.REVOCATIONS, REVOCATION_LOOKBACK, watch::revocation));
      watch.tails.add(
          tails.tail(Topics.REVOCATION_FAST_PATH, REVOCATION_LOOKBACK, watch::revocation));
    } catch (RuntimeException e) {
      watch.close();
      throw e;
    }
    return watch;
  }

  public Fleet fleet() {
    return fleet;
  }

  public RevocationRecords records() {
    return records;
  }

  private void status(ConsumerRecord<String, @Nullable ValidatorStatus> record) {
    ValidatorStatus status = record.value();
    if (status == null) {
      if (record.key() != null) {
        fleet.forget(record.key());
      }
      return;
    }
    fleet.report(report(status));
  }

  private void revocation(ConsumerRecord<String, @Nullable Revocation> record) {
    if (record.value() == null || record.key() == null) {
      return;
    }
    records.seen(
        record.key(),
        new RevocationRecords.Landed(
            record.topic(),
            record.partition(),
            record.offset(),
            Instant.ofEpochMilli(record.timestamp())));
  }

  /** The report a status event makes. */
  public static ValidatorReport report(ValidatorStatus status) {
    List<ValidatorReport.Position> positions = new ArrayList<>();
    for (FeedPosition position : status.getPositions()) {
      positions.add(
          new ValidatorReport.Position(
              position.getTopic(), position.getPartition(), position.getNextOffset()));
    }
    List<ValidatorReport.Applied> recent = new ArrayList<>();
    for (AppliedRevocation applied : status.getRecent()) {
      recent.add(
          new ValidatorReport.Applied(
              applied.getTopic(),
              applied.getPartition(),
              applied.getOffset(),
              applied.getSelector(),
              applied.getRecordTimestamp(),
              applied.getAppliedAt()));
    }
    Long staleness = status.getStalenessMs();
    return new ValidatorReport(
        status.getValidatorId(),
        status.getAudience(),
        status.getOccurredAt(),
        status.getStartedAt(),
        status.getSequence(),
        Duration.ofMillis(Math.max(1, status.getIntervalMs())),
        status.getReady(),
        staleness == null ? null : Duration.ofMillis(staleness),
        positions,
        status.getLiveRevocations(),
        recent,
        status.getRecentDropped());
  }

  @Override
  public void close() {
    for (TopicTail<?> tail : tails) {
      tail.close();
    }
  }
}
