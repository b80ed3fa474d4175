package io.tokenwatch.console.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetTest {

  static final Instant T0 = Instant.parse("2026-12-05T09:00:00Z");
  static final String FEED = "tokenwatch.revocations";
  static final String FAST = "tokenwatch.revocation-fast-path";

  final Fleet fleet = new Fleet(Duration.ofSeconds(30));

  static ValidatorReport report(
      String id,
      Instant at,
      long sequence,
      boolean ready,
      Duration staleness,
      List<ValidatorReport.Position> positions,
      List<ValidatorReport.Applied> recent) {
    return new ValidatorReport(
        id,
        "https://orders.example.com",
        at,
        T0,
        sequence,
        Duration.ofSeconds(2),
        ready,
        staleness,
        positions,
        3,
        recent,
        0);
  }

  static ValidatorReport healthy(String id, Instant at, long sequence) {
    return report(id, at, sequence, true, Duration.ofMillis(200), List.of(), List.of());
  }

  @Test
  void shouldShowAValidatorOverdueOnceItsReportIsOlderThanThreeIntervals() {
    fleet.report(healthy("gw-1", T0.plusSeconds(10), 5));

    assertThat(fleet.rows(T0.plusSeconds(16)).get(0).problems()).isEmpty();
    FleetRow late = fleet.rows(T0.plusSeconds(16).plusMillis(1)).get(0);

    assertThat(late.problems()).singleElement().isInstanceOf(Problem.Overdue.class);
    assertThat(late.problems().get(0).text()).startsWith("overdue: no report for 6.0 s");
  }

  @Test
  void shouldShowNotReadyAndStaleFeedsWithTheirReasons() {
    fleet.report(report("gw-1", T0, 1, false, null, List.of(), List.of()));
    fleet.report(report("gw-2", T0, 1, true, Duration.ofSeconds(31), List.of(), List.of()));
    fleet.report(report("gw-3", T0, 1, true, Duration.ofSeconds(30), List.of(), List.of()));

    List<FleetRow> rows = fleet.rows(T0.plusSeconds(1));

    assertThat(rows).extracting(FleetRow::validatorId).containsExactly("gw-1", "gw-2", "gw-3");
    assertThat(rows.get(0).problems()).containsExactly(new Problem.NotReady());
    assertThat(rows.get(1).problems())
        .containsExactly(new Problem.Stale(Duration.ofSeconds(31), Duration.ofSeconds(30)));
    assertThat(rows.get(1).problems().get(0).text())
        .isEqualTo("stale: feed 31.0 s behind (budget 30.0 s)");
    assertThat(rows.get(2).healthy()).isTrue();
  }

  @Test
  void shouldKeepTheNewestReportWhenAnOlderOneArrivesLater() {
    fleet.report(healthy("gw-1", T0.plusSeconds(20), 10));
    fleet.report(healthy("gw-1", T0.plusSeconds(2), 1));

    assertThat(fleet.rows(T0.plusSeconds(21)).get(0).heartbeatAge())
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void shouldForgetAValidatorWhoseKeyIsTombstoned() {
    fleet.report(healthy("gw-1", T0, 1));
    fleet.forget("gw-1");

    assertThat(fleet.rows(T0)).isEmpty();
  }

  @Test
  void shouldLeaveRecordsReadWhileBootstrappingOutOfThePropagationTimes() {
    ValidatorReport.Applied old =
        new ValidatorReport.Applied(FEED, 0, 1, "token:a", T0.minusSeconds(600), T0.plusSeconds(1));
    ValidatorReport.Applied live =
        new ValidatorReport.Applied(
            FEED, 0, 2, "token:b", T0.plusSeconds(5), T0.plusSeconds(5).plusMillis(40));
    fleet.report(
        report("gw-1", T0.plusSeconds(6), 3, true, Duration.ZERO, List.of(), List.of(old, live)));

    FleetRow row = fleet.rows(T0.plusSeconds(6)).get(0);

    assertThat(row.propagationSamples()).isEqualTo(1);
    assertThat(row.propagationMedian()).isEqualTo(Duration.ofMillis(40));
    assertThat(row.propagationMax()).isEqualTo(Duration.ofMillis(40));
  }

  @Test
  void shouldTellWhenARevocationReachedAValidatorFromItsRecentList() {
    RevocationRecords records = new RevocationRecords();
    Instant produced = T0.plusSeconds(30);
    records.seen("token:x", new RevocationRecords.Landed(FAST, 1, 7, produced));
    fleet.report(
        report(
            "gw-1",
            T0.plusSeconds(31),
            4,
            true,
            Duration.ZERO,
            List.of(new ValidatorReport.Position(FAST, 1, 8)),
            List.of(
                new ValidatorReport.Applied(
                    FAST, 1, 7, "token:x", produced, produced.plusMillis(12)))));
    fleet.report(healthy("gw-2", T0.plusSeconds(31), 4));

    assertThat(fleet.reach("gw-1", "token:x", T0.plusSeconds(29), records))
        .isEqualTo(new Reach.Reached(produced.plusMillis(12), Duration.ofMillis(12), true));
    assertThat(fleet.reach("gw-2", "token:x", T0.plusSeconds(29), records))
        .isEqualTo(new Reach.NotYet());
  }

  @Test
  void shouldDateAReachFromTheFirstReportWithTheFeedPastTheRecordWhenNotListed() {
    RevocationRecords records = new RevocationRecords();
    Instant produced = T0.plusSeconds(30);
    records.seen("subject:s", new RevocationRecords.Landed(FEED, 2, 40, produced));
    List<ValidatorReport.Position> before = List.of(new ValidatorReport.Position(FEED, 2, 40));
    List<ValidatorReport.Position> past = List.of(new ValidatorReport.Position(FEED, 2, 41));
    fleet.report(report("gw-1", T0.plusSeconds(31), 1, true, Duration.ZERO, before, List.of()));
    fleet.report(report("gw-1", T0.plusSeconds(33), 2, true, Duration.ZERO, past, List.of()));
    fleet.report(report("gw-1", T0.plusSeconds(35), 3, true, Duration.ZERO, past, List.of()));

    assertThat(fleet.reach("gw-1", "subject:s", T0.plusSeconds(29), records))
        .isEqualTo(new Reach.Reached(T0.plusSeconds(33), Duration.ofSeconds(3), false));
  }

  @Test
  void shouldNotCountAnEarlierRevocationOfTheSameSelector() {
    RevocationRecords records = new RevocationRecords();
    Instant earlier = T0.plusSeconds(1);
    records.seen("client:c", new RevocationRecords.Landed(FEED, 0, 3, earlier));
    fleet.report(
        report(
            "gw-1",
            T0.plusSeconds(2),
            1,
            true,
            Duration.ZERO,
            List.of(new ValidatorReport.Position(FEED, 0, 4)),
            List.of(
                new ValidatorReport.Applied(
                    FEED, 0, 3, "client:c", earlier, earlier.plusMillis(5)))));

    assertThat(fleet.reach("gw-1", "client:c", T0.plusSeconds(60), records))
        .isEqualTo(new Reach.NotYet());
  }
}
