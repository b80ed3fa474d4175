package io.tokenwatch.validator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.FeedPosition;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * What a status report says, and that a report which cannot be delivered is counted, never thrown
 * at the caller, with the revocations it listed counted in the next one. The producer is Kafka's
 * {@link MockProducer}, completed by hand, because the point is the accounting, not the broker.
 */
class StatusReporterTest {

  private static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");
  private static final String FEED = "tokenwatch.revocations";

  private final MockProducer<String, ValidatorStatus> producer =
      new MockProducer<>(false, null, new StringSerializer(), (topic, value) -> new byte[0]);
  private final AtomicReference<FeedStatus> feed =
      new AtomicReference<>(new FeedStatus(false, -1, -1, List.of(), 0));
  private final RecentRevocations recent = new RecentRevocations(3);
  private final MutableClock clock = new MutableClock(T0);

  private StatusReporter reporter() {
    return new StatusReporter(
        producer,
        "tokenwatch.validator-status",
        "orders-gateway-1",
        "https://orders.example",
        feed::get,
        recent,
        Duration.ofSeconds(5),
        clock,
        false);
  }

  private static AppliedRevocation applied(int partition, long offset, Instant at) {
    return new AppliedRevocation(
        FEED, partition, offset, "token:t-" + offset, at.minusMillis(40), at);
  }

  private ValidatorStatus sent(int index) {
    List<ProducerRecord<String, ValidatorStatus>> history = producer.history();
    return history.get(index).value();
  }

  @Test
  void shouldReportTheFeedAndTheRevocationsAppliedSinceThePreviousReportKeyedByValidator() {
    StatusReporter reporter = reporter();
    feed.set(
        new FeedStatus(
            true,
            480,
            0,
            List.of(new FeedStatus.Position(FEED, 0, 42), new FeedStatus.Position(FEED, 1, 7)),
            12));
    clock.set(T0.plusSeconds(5));
    recent.onApplied(applied(0, 41, T0.plusSeconds(4)));

    reporter.report();
    producer.completeNext();

    ProducerRecord<String, ValidatorStatus> record = producer.history().get(0);
    assertThat(record.topic()).isEqualTo("tokenwatch.validator-status");
    assertThat(record.key()).isEqualTo("orders-gateway-1");
    ValidatorStatus status = record.value();
    assertThat(status.getValidatorId()).isEqualTo("orders-gateway-1");
    assertThat(status.getAudience()).isEqualTo("https://orders.example");
    assertThat(status.getStartedAt()).isEqualTo(T0);
    assertThat(status.getOccurredAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(status.getSequence()).isEqualTo(1);
    assertThat(status.getIntervalMs()).isEqualTo(5_000);
    assertThat(status.getReady()).isTrue();
    assertThat(status.getStalenessMs()).isEqualTo(480L);
    assertThat(status.getLag()).isEqualTo(0L);
    assertThat(status.getLiveRevocations()).isEqualTo(12);
    assertThat(status.getPositions())
        .extracting(FeedPosition::getTopic, FeedPosition::getPartition, FeedPosition::getNextOffset)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(FEED, 0, 42L),
            org.assertj.core.groups.Tuple.tuple(FEED, 1, 7L));
    assertThat(status.getRecent()).hasSize(1);
    io.tokenwatch.events.AppliedRevocation listed = status.getRecent().get(0);
    assertThat(listed.getPartition()).isZero();
    assertThat(listed.getOffset()).isEqualTo(41);
    assertThat(listed.getSelector()).isEqualTo("token:t-41");
    assertThat(listed.getRecordTimestamp()).isEqualTo(T0.plusSeconds(4).minusMillis(40));
    assertThat(listed.getAppliedAt()).isEqualTo(T0.plusSeconds(4));
    assertThat(status.getRecentDropped()).isZero();
    assertThat(reporter.sentCount()).isEqualTo(1);

    reporter.report();
    assertThat(sent(1).getSequence()).isEqualTo(2);
    assertThat(sent(1).getRecent()).as("each revocation is listed once").isEmpty();
  }

  @Test
  void shouldReportNoStalenessWhileTheFeedIsNotReady() {
    reporter().report();

    assertThat(sent(0).getReady()).isFalse();
    assertThat(sent(0).getStalenessMs()).isNull();
    assertThat(sent(0).getLag()).isNull();
    assertThat(sent(0).getPositions()).isEmpty();
  }

  @Test
  void shouldDropTheOldestBeyondTheBufferAndCountThem() {
    StatusReporter reporter = reporter();
    for (long offset = 0; offset < 5; offset++) {
      recent.onApplied(applied(0, offset, T0));
    }

    reporter.report();

    assertThat(sent(0).getRecent())
        .extracting(io.tokenwatch.events.AppliedRevocation::getOffset)
        .containsExactly(2L, 3L, 4L);
    assertThat(sent(0).getRecentDropped()).isEqualTo(2);
  }

  @Test
  void shouldCountAnUndeliveredReportAndItsRevocationsInTheNextReport() {
    StatusReporter reporter = reporter();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    reporter.bindTo(meters);
    recent.onApplied(applied(0, 1, T0));
    recent.onApplied(applied(0, 2, T0));

    reporter.report();
    producer.errorNext(new TimeoutException("brokers unreachable"));
    reporter.report();
    producer.completeNext();

    assertThat(sent(1).getRecent()).isEmpty();
    assertThat(sent(1).getRecentDropped()).isEqualTo(2);
    assertThat(sent(1).getReportsDropped()).isEqualTo(1);
    assertThat(reporter.failedCount()).isEqualTo(1);
    assertThat(
            meters
                .get("tokenwatch.status.reports")
                .tag("outcome", "failed")
                .functionCounter()
                .count())
        .isEqualTo(1.0);
    assertThat(meters.get("tokenwatch.status.recent.dropped").functionCounter().count())
        .isEqualTo(2.0);
  }

  @Test
  void shouldNeverThrowWhenTheProducerRefusesToSendAndKeepReporting() {
    StatusReporter reporter = reporter();
    recent.onApplied(applied(2, 9, T0));
    producer.sendException = new KafkaException("buffer exhausted");

    assertThatCode(reporter::report).doesNotThrowAnyException();

    producer.sendException = null;
    reporter.report();
    assertThat(reporter.failedCount()).isEqualTo(1);
    assertThat(producer.history()).hasSize(1);
    assertThat(sent(0).getSequence()).as("the refused report had number 1").isEqualTo(2);
    assertThat(sent(0).getRecentDropped()).isEqualTo(1);
    assertThat(sent(0).getReportsDropped()).isEqualTo(1);
  }
}
