package io.tokenwatch.validator.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.events.ValidatorStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The reports' guarantee against a plain model: under any interleaving of applied revocations (one
 * by one, or a poll's burst of which only the latest the buffer keeps are told one by one),
 * reports, deliveries and failed deliveries, every applied revocation is listed in exactly one
 * delivered report or counted in exactly one delivered report's {@code recent_dropped}; listed ones
 * keep the order they were applied in; no report lists more than the buffer holds.
 */
class StatusReportingPropertiesTest {

  enum Op {
    APPLY,
    BURST,
    REPORT,
    DELIVER,
    FAIL
  }

  @Provide
  Arbitrary<List<Op>> operations() {
    return Arbitraries.of(Op.APPLY, Op.APPLY, Op.APPLY, Op.BURST, Op.REPORT, Op.DELIVER, Op.FAIL)
        .list()
        .ofMaxSize(400);
  }

  @Property(tries = 300)
  void shouldAccountForEveryAppliedRevocationInExactlyOneDeliveredReport(
      @ForAll("operations") List<Op> ops, @ForAll @IntRange(min = 1, max = 8) int capacity) {
    MockProducer<String, ValidatorStatus> producer =
        new MockProducer<>(false, null, new StringSerializer(), (topic, value) -> new byte[0]);
    RecentRevocations recent = new RecentRevocations(capacity);
    Clock clock = Clock.fixed(Instant.parse("2026-01-05T10:00:00Z"), ZoneOffset.UTC);
    StatusReporter reporter =
        new StatusReporter(
            producer,
            "tokenwatch.validator-status",
            "v-1",
            null,
            () -> new FeedStatus(true, 0, 0, List.of(), 0),
            recent,
            Duration.ofSeconds(5),
            clock,
            false);
    List<Long> applied = new ArrayList<>();
    // The model: which sent report (by its index in the producer's history) was delivered.
    List<Boolean> delivered = new ArrayList<>();
    long next = 0;
    for (Op op : ops) {
      switch (op) {
        case APPLY -> {
          recent.onApplied(applied(next, clock));
          applied.add(next++);
        }
        case BURST -> {
          // As the feed tells of one poll's revocations: the older ones past what the buffer
          // keeps by their count, the latest one by one.
          int burst = (int) (next % 11) + 1;
          int kept = Math.min(burst, recent.keepsAtMost());
          if (burst > kept) {
            recent.onPassedOver(burst - kept);
          }
          for (int i = 0; i < burst; i++) {
            if (i >= burst - kept) {
              recent.onApplied(applied(next, clock));
            }
            applied.add(next++);
          }
        }
        case REPORT -> reporter.report();
        case DELIVER -> {
          if (producer.completeNext()) {
            delivered.add(true);
          }
        }
        case FAIL -> {
          if (producer.errorNext(new TimeoutException("unreachable"))) {
            delivered.add(false);
          }
        }
      }
    }
    // Settle: deliver what is in flight, then one last report that is delivered.
    while (producer.completeNext()) {
      delivered.add(true);
    }
    reporter.report();
    assertThat(producer.completeNext()).isTrue();
    delivered.add(true);

    List<ProducerRecord<String, ValidatorStatus>> history = producer.history();
    assertThat(history).hasSameSizeAs(delivered);
    List<Long> listed = new ArrayList<>();
    long dropped = 0;
    for (int i = 0; i < history.size(); i++) {
      ValidatorStatus status = history.get(i).value();
      assertThat(status.getRecent()).hasSizeLessThanOrEqualTo(capacity);
      if (delivered.get(i)) {
        status.getRecent().forEach(r -> listed.add(r.getOffset()));
        dropped += status.getRecentDropped();
      }
    }
    assertThat(listed).doesNotHaveDuplicates().isSorted();
    assertThat(applied).containsAll(listed);
    assertThat(listed.size() + dropped).isEqualTo(applied.size());
    assertThat(history.get(history.size() - 1).value().getReportsDropped())
        .isEqualTo(delivered.stream().filter(d -> !d).count());
  }

  /** The feed's application of the revocation at {@code offset} of partition 0. */
  private static AppliedRevocation applied(long offset, Clock clock) {
    return new AppliedRevocation(
        "tokenwatch.revocations", 0, offset, "token:" + offset, clock.instant(), clock.instant());
  }
}
