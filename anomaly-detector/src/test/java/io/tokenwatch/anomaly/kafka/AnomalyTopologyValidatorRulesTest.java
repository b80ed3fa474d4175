package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.ValidatorWatch;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.Severity;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * VALIDATOR_SILENT and VALIDATOR_STALE in the topology, driven by the test driver's wall clock: one
 * alert per episode (keyed {@code validator:<id>}, its id from the validator and the episode
 * start), none while the episode lasts, a new one after a recovery.
 */
class AnomalyTopologyValidatorRulesTest {

  private static final String VALIDATOR = "orders-gateway-1";
  private static final Duration INTERVAL = Duration.ofSeconds(5);

  private final DetectorDriver driver = new DetectorDriver(Map.of());
  private Instant wallClock = DetectorDriver.START;
  private long sequence;

  @AfterEach
  void close() {
    driver.close();
  }

  private ValidatorStatus report(boolean ready, Long stalenessMs) {
    return ValidatorStatus.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(wallClock)
        .setValidatorId(VALIDATOR)
        .setAudience("https://orders.example")
        .setStartedAt(DetectorDriver.START)
        .setSequence(++sequence)
        .setIntervalMs(INTERVAL.toMillis())
        .setReady(ready)
        .setStalenessMs(stalenessMs)
        .setLag(0L)
        .setPositions(List.of())
        .setLiveRevocations(0)
        .setRecent(List.of())
        .setRecentDropped(0)
        .setReportsDropped(0)
        .build();
  }

  private ValidatorStatus send(boolean ready, Long stalenessMs) {
    ValidatorStatus status = report(ready, stalenessMs);
    driver.pipe(new Input(Topics.VALIDATOR_STATUS.name(), VALIDATOR, status, wallClock));
    return status;
  }

  /** Advances the wall clock in steps of a reporting interval, reporting fresh at each if asked. */
  private void pass(Duration duration, boolean reporting) {
    Instant end = wallClock.plus(duration);
    while (wallClock.isBefore(end)) {
      Duration step =
          INTERVAL.compareTo(Duration.between(wallClock, end)) < 0
              ? INTERVAL
              : Duration.between(wallClock, end);
      wallClock = wallClock.plus(step);
      driver.advanceWallClockTime(step);
      if (reporting) {
        send(true, 200L);
      }
    }
  }

  private KeyValueStore<String, ValidatorWatch> store() {
    return driver.driver.getKeyValueStore(AnomalyTopology.VALIDATOR_WATCH);
  }

  @Test
  void shouldAlertOnceWhenAValidatorFallsSilentAndAgainAfterItRecoveredAndFellSilentAgain() {
    pass(Duration.ofSeconds(30), true);
    assertThat(driver.alerts()).as("a validator reporting every interval is not silent").isEmpty();
    Instant lastReport = wallClock;

    pass(Duration.ofSeconds(14), false);
    assertThat(driver.alerts()).as("15 s (3 intervals, at least 15 s) not yet passed").isEmpty();
    pass(Duration.ofSeconds(2), false);
    List<TestRecord<String, SecurityAlert>> first = driver.alertRecords();
    assertThat(first).hasSize(1);
    assertThat(first.get(0).key()).isEqualTo("validator:" + VALIDATOR);
    SecurityAlert silent = first.get(0).value();
    assertThat(silent.getRule()).isEqualTo(AlertRule.VALIDATOR_SILENT);
    assertThat(silent.getSeverity()).isEqualTo(Severity.HIGH);
    assertThat(silent.getSubject()).isNull();
    assertThat(silent.getClientId()).isNull();
    assertThat(silent.getAutoResponse()).isNull();
    assertThat(silent.getEvidence().getObserved())
        .containsEntry("validator_id", VALIDATOR)
        .containsEntry("last_report_at", lastReport.toString())
        .containsEntry("interval_ms", "5000");
    assertThat(silent.getEvidence().getThresholds()).containsEntry("silent_after_ms", "15000");
    assertThat(silent.getEvidence().getFirstSeen()).isEqualTo(lastReport);
    assertThat(store().get(VALIDATOR).silent()).isTrue();

    pass(Duration.ofMinutes(5), false);
    assertThat(driver.alerts()).as("no second alert while still silent").isEmpty();

    pass(Duration.ofSeconds(20), true);
    assertThat(driver.alerts()).as("recovering raises nothing").isEmpty();
    assertThat(store().get(VALIDATOR).silent()).isFalse();

    pass(Duration.ofSeconds(20), false);
    List<SecurityAlert> second = driver.alerts();
    assertThat(second).hasSize(1);
    assertThat(second.get(0).getRule()).isEqualTo(AlertRule.VALIDATOR_SILENT);
    assertThat(second.get(0).getAlertId()).isNotEqualTo(silent.getAlertId());
  }

  @Test
  void shouldNotAlertOnAValidatorStillBootstrappingWithinTheStalenessBudget() {
    send(false, null);
    for (int second = 1; second <= 29; second++) {
      wallClock = wallClock.plusSeconds(1);
      driver.advanceWallClockTime(Duration.ofSeconds(1));
      send(false, null);
    }

    assertThat(driver.alerts()).isEmpty();
    assertThat(store().get(VALIDATOR).stale()).isFalse();

    wallClock = wallClock.plusSeconds(2);
    driver.advanceWallClockTime(Duration.ofSeconds(2));
    send(false, null);
    List<SecurityAlert> alerts = driver.alerts();
    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0).getRule()).isEqualTo(AlertRule.VALIDATOR_STALE);
    assertThat(alerts.get(0).getSummary()).contains("not ready 31 s after it started");
  }

  @Test
  void shouldAlertOnceWhenAValidatorReportsItsFeedStaleOrNotReadyUntilItReportsFreshAgain() {
    pass(Duration.ofSeconds(40), true);
    ValidatorStatus firstStale = send(true, 31_000L);
    pass(Duration.ofSeconds(1), false);
    send(true, 45_000L);
    send(false, null);

    List<SecurityAlert> stale = driver.alerts();
    assertThat(stale).hasSize(1);
    assertThat(stale.get(0).getRule()).isEqualTo(AlertRule.VALIDATOR_STALE);
    assertThat(stale.get(0).getEvidence().getEventIds()).containsExactly(firstStale.getEventId());
    assertThat(stale.get(0).getEvidence().getObserved())
        .containsEntry("validator_id", VALIDATOR)
        .containsEntry("staleness_ms", "31000")
        .containsEntry("ready", "true");
    assertThat(stale.get(0).getEvidence().getThresholds())
        .containsEntry("max_staleness_ms", "30000");
    assertThat(store().get(VALIDATOR).stale()).isTrue();

    send(true, 300L);
    assertThat(store().get(VALIDATOR).stale()).isFalse();
    wallClock = wallClock.plusSeconds(1);
    send(false, null);
    List<SecurityAlert> again = driver.alerts();
    assertThat(again).hasSize(1);
    assertThat(again.get(0).getSummary()).contains("not ready");
    assertThat(again.get(0).getAlertId()).isNotEqualTo(stale.get(0).getAlertId());
  }

  @Test
  void shouldRaiseTheSameAlertIdForTheSameEpisodeWhateverTheCheckTimes() {
    String id1;
    String id2;
    try (DetectorDriver slow =
        new DetectorDriver(Map.of(AnomalyDetectorConfig.VALIDATOR_CHECK_INTERVAL_MS, 7_000L))) {
      slow.pipe(
          new Input(
              Topics.VALIDATOR_STATUS.name(), VALIDATOR, report(true, 10L), DetectorDriver.START));
      slow.advanceWallClockTime(Duration.ofSeconds(40));
      id1 = slow.alerts().get(0).getAlertId();
    }
    sequence = 0;
    try (DetectorDriver fast = new DetectorDriver(Map.of())) {
      fast.pipe(
          new Input(
              Topics.VALIDATOR_STATUS.name(), VALIDATOR, report(true, 10L), DetectorDriver.START));
      for (int i = 0; i < 40; i++) {
        fast.advanceWallClockTime(Duration.ofSeconds(1));
      }
      List<SecurityAlert> alerts = fast.alerts();
      assertThat(alerts).hasSize(1);
      id2 = alerts.get(0).getAlertId();
    }
    assertThat(id1).isEqualTo(id2);
  }

  @Test
  void shouldForgetAValidatorSilentLongerThanTheForgetPeriod() {
    send(true, 10L);
    pass(Duration.ofSeconds(20), false);
    assertThat(driver.alerts()).hasSize(1);

    driver.advanceWallClockTime(Duration.ofDays(1).plusSeconds(1));

    assertThat(store().get(VALIDATOR)).isNull();
    assertThat(driver.alerts()).isEmpty();
  }

  @Test
  void shouldSendAReportWhoseKeyIsNotItsValidatorToTheDeadLetters() {
    driver.pipe(
        new Input(Topics.VALIDATOR_STATUS.name(), "someone-else", report(true, 10L), wallClock));

    assertThat(driver.deadLetters.readRecordsToList()).hasSize(1);
    assertThat(store().get("someone-else")).isNull();
  }
}
