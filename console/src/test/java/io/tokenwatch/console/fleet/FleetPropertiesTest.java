package io.tokenwatch.console.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The fleet's propagation times and reach answers against a plain model: every applied record
 * listed once, sorted; reached iff some report lists the selector's record or shows the feed past
 * it.
 */
class FleetPropertiesTest {

  static final Instant T0 = Instant.parse("2026-12-05T09:00:00Z");
  static final String FEED = "tokenwatch.revocations";

  /**
   * One revocation the validator applied: partition, offset, produced and applied (ms after T0).
   */
  record Step(int partition, long offset, long producedMs, long tookMs) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 2),
            Arbitraries.longs().between(0, 30),
            Arbitraries.longs().between(-5_000, 60_000),
            Arbitraries.longs().between(0, 3_000))
        .as(Step::new)
        .list()
        .ofMaxSize(60);
  }

  @Property
  void shouldTakeMedianAndMaxOverEveryDistinctRecordProducedAfterTheStart(
      @ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 1, max = 5) int perReport) {
    Fleet fleet = new Fleet(Duration.ofSeconds(30));
    Map<String, Long> model = new HashMap<>();
    Set<String> seen = new HashSet<>();
    List<ValidatorReport.Applied> batch = new ArrayList<>();
    long sequence = 0;
    for (Step step : steps) {
      Instant produced = T0.plusMillis(step.producedMs());
      ValidatorReport.Applied applied =
          new ValidatorReport.Applied(
              FEED,
              step.partition(),
              step.offset(),
              "token:" + step.offset(),
              produced,
              produced.plusMillis(step.tookMs()));
      batch.add(applied);
      // A record is applied once: a validator listing the same partition and offset again is
      // the same record, and only its first listing counts.
      if (seen.add(step.partition() + "@" + step.offset()) && step.producedMs() >= 0) {
        model.put(step.partition() + "@" + step.offset(), step.tookMs());
      }
      if (batch.size() == perReport) {
        fleet.report(report(++sequence, batch, List.of()));
        batch.clear();
      }
    }
    fleet.report(report(++sequence, batch, List.of()));

    FleetRow row = fleet.rows(T0).get(0);
    List<Long> sorted = new ArrayList<>(model.values());
    sorted.sort(null);
    assertThat(row.propagationSamples()).isEqualTo(sorted.size());
    if (sorted.isEmpty()) {
      assertThat(row.propagationMedian()).isNull();
      assertThat(row.propagationMax()).isNull();
    } else {
      assertThat(row.propagationMedian())
          .isEqualTo(Duration.ofMillis(sorted.get((sorted.size() - 1) / 2)));
      assertThat(row.propagationMax()).isEqualTo(Duration.ofMillis(sorted.get(sorted.size() - 1)));
    }
  }

  @Property
  void shouldSayReachedExactlyWhenAReportListsTheRecordOrShowsTheFeedPastIt(
      @ForAll @IntRange(min = 0, max = 2) int partition,
      @ForAll @IntRange(min = 0, max = 20) int offset,
      @ForAll("positions") List<Long> positions,
      @ForAll boolean listed,
      @ForAll boolean recordSeen) {
    Fleet fleet = new Fleet(Duration.ofSeconds(30));
    RevocationRecords records = new RevocationRecords();
    Instant produced = T0.plusSeconds(10);
    if (recordSeen) {
      records.seen("subject:s", new RevocationRecords.Landed(FEED, partition, offset, produced));
    }
    long sequence = 0;
    for (long next : positions) {
      fleet.report(
          report(
              ++sequence, List.of(), List.of(new ValidatorReport.Position(FEED, partition, next))));
    }
    if (listed) {
      fleet.report(
          report(
              ++sequence,
              List.of(
                  new ValidatorReport.Applied(
                      FEED, partition, offset, "subject:s", produced, produced.plusMillis(9))),
              List.of()));
    }

    boolean model = listed || (recordSeen && positions.stream().anyMatch(next -> next > offset));
    Reach reach = fleet.reach("gw", "subject:s", T0.plusSeconds(9), records);

    assertThat(reach instanceof Reach.Reached).isEqualTo(model);
    if (listed) {
      assertThat(reach)
          .isEqualTo(new Reach.Reached(produced.plusMillis(9), Duration.ofMillis(9), true));
    }
  }

  @Provide
  Arbitrary<List<Long>> positions() {
    return Arbitraries.longs().between(0, 25).list().ofMaxSize(6);
  }

  static ValidatorReport report(
      long sequence,
      List<ValidatorReport.Applied> recent,
      List<ValidatorReport.Position> positions) {
    return new ValidatorReport(
        "gw",
        null,
        T0,
        T0,
        sequence,
        Duration.ofSeconds(2),
        true,
        Duration.ZERO,
        positions,
        0,
        List.copyOf(recent),
        0);
  }
}
