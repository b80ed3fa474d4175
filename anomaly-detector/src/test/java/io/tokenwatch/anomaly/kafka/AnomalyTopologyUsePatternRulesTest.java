package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.UseTally;
import io.tokenwatch.anomaly.scenarios.EventFactory;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.Severity;
import io.tokenwatch.events.UseDenyReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * The topology's rules on how tokens are used and revoked: {@code REPLAY_AFTER_REVOCATION}, {@code
 * USE_AFTER_EXPIRY}, {@code TOKEN_SPREAD}, {@code USAGE_SPIKE}, {@code REFRESH_TOKEN_REUSE} and
 * {@code MAX_USE_OVERSHOOT}, in a {@link DetectorDriver}.
 */
class AnomalyTopologyUsePatternRulesTest extends AnomalyTopologyFixture {

  // REPLAY_AFTER_REVOCATION

  @Test
  void shouldAlertOnAPresentationOfARevokedToken() {
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(60)).denied(UseDenyReason.REVOKED)));
    SecurityAlert alert = single(AlertRule.REPLAY_AFTER_REVOCATION);
    assertThat(alert.getSeverity()).isEqualTo(Severity.CRITICAL);
    assertThat(alert.getTokenId()).isEqualTo("t1");
  }

  @Test
  void shouldAlertWhenARevokedTokenIsAcceptedAfterTheGraceButNotWithinIt() {
    driver.pipe(issue("t1", at(0)));
    driver.pipe(
        events.revocation(SelectorKind.TOKEN, "t1", RevocationReason.ADMIN, at(10), at(600)));
    driver.pipe(events.used(use("t1", at(12))));
    assertThat(driver.alerts()).isEmpty();
    driver.pipe(events.used(use("t1", at(30))));
    SecurityAlert alert = single(AlertRule.REPLAY_AFTER_REVOCATION);
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("decision", "ALLOWED")
        .containsEntry("revoked_at", at(10).toString());
  }

  // USE_AFTER_EXPIRY

  @Test
  void shouldAlertOnABurstOfExpiredPresentations() {
    driver.pipe(issue("t1", at(0)));
    for (int i = 0; i < 5; i++) {
      driver.pipe(events.used(use("t1", at(700 + 10 * i)).denied(UseDenyReason.EXPIRED)));
    }
    SecurityAlert alert = single(AlertRule.USE_AFTER_EXPIRY);
    assertThat(alert.getEvidence().getCount()).isEqualTo(5);
    assertThat(alert.getEvidence().getFirstSeen()).isEqualTo(at(700));
  }

  @Test
  void shouldNotAlertOnExpiredPresentationsSpreadOut() {
    driver.pipe(issue("t1", at(0)));
    for (int i = 0; i < 5; i++) {
      driver.pipe(events.used(use("t1", at(700 + 120 * i)).denied(UseDenyReason.EXPIRED)));
    }
    assertThat(driver.alerts()).isEmpty();
  }

  // TOKEN_SPREAD

  @Test
  void shouldAlertOnATokenUsedFromManyNetworks() {
    driver.pipe(issue("t1", at(0)));
    for (String source : List.of("10.0.0.1", "10.0.0.2", "198.51.100.7", "203.0.113.9")) {
      driver.pipe(events.used(use("t1", at(10)).from(source)));
    }
    SecurityAlert alert = single(AlertRule.TOKEN_SPREAD);
    assertThat(alert.getEvidence().getCount()).isEqualTo(4);
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("sources", "10.0.0.1,10.0.0.2,198.51.100.7,203.0.113.9")
        .containsEntry("networks", "10.0.0.0/24,198.51.100.0/24,203.0.113.0/24");
  }

  @Test
  void shouldNotAlertOnReplicasSharingATokenInsideTheirNetwork() {
    driver.pipe(issue("t1", at(0)));
    for (int i = 0; i < 40; i++) {
      driver.pipe(events.used(use("t1", at(10 + i)).from("10.0.0." + (i % 6))));
    }
    assertThat(driver.alerts()).isEmpty();
  }

  @Test
  void shouldNotAlertOnFewNetworksOrNetworksOutsideTheWindow() {
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(10)).from("10.0.0.1")));
    driver.pipe(events.used(use("t1", at(11)).from("198.51.100.7")));
    driver.pipe(events.used(use("t1", at(900)).from("203.0.113.9")));
    assertThat(driver.alerts()).isEmpty();
  }

  // USAGE_SPIKE

  @Test
  void shouldAlertOnAUseRateFarAboveTheClientsBaseline() {
    restart(Map.of(AnomalyDetectorConfig.SPIKE_MIN_HISTORY, 5));
    driver.pipe(issue("t1", at(0)));
    for (int minute = 0; minute < 10; minute++) {
      for (int i = 0; i < 10; i++) {
        driver.pipe(events.used(use("t1", at(60L * minute + 5L * i))));
      }
    }
    assertThat(driver.alerts()).isEmpty();
    for (int i = 0; i < 150; i++) {
      driver.pipe(events.used(use("t1", at(600).plusMillis(100L * i))));
    }
    SecurityAlert alert = single(AlertRule.USAGE_SPIKE);
    assertThat(alert.getClientId()).isEqualTo("app");
    assertThat(alert.getSubject()).isNull();
    // Uses reach the rule in tallies spanning at most a second (ten uses here), so the rule sees
    // the 100th use at most ten uses late.
    assertThat(alert.getEvidence().getCount()).isBetween(100L, 110L);
    assertThat(driver.alertRecords()).isEmpty();
  }

  @Test
  void shouldAlertOnTheUseThatCrossesTheLimitWhenEveryUseIsHandedOn() {
    restart(
        Map.of(
            AnomalyDetectorConfig.SPIKE_MIN_HISTORY, 5, AnomalyDetectorConfig.SPIKE_TALLY_USES, 1));
    driver.pipe(issue("t1", at(0)));
    for (int minute = 0; minute < 10; minute++) {
      for (int i = 0; i < 10; i++) {
        driver.pipe(events.used(use("t1", at(60L * minute + 5L * i))));
      }
    }
    for (int i = 0; i < 150; i++) {
      driver.pipe(events.used(use("t1", at(600).plusMillis(100L * i))));
    }
    assertThat(single(AlertRule.USAGE_SPIKE).getEvidence().getCount()).isEqualTo(100);
  }

  @Test
  void shouldHandOnAClientsLastUsesOnceItsPartitionMovesOnATallyPeriod() {
    restart(Map.of(AnomalyDetectorConfig.SPIKE_MIN_HISTORY, 5));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(issue("t2", "bob", "other", at(0), null));
    for (int minute = 0; minute < 10; minute++) {
      for (int i = 0; i < 10; i++) {
        driver.pipe(events.used(use("t1", at(60L * minute + 5L * i))));
      }
    }
    // 100 uses within half a second: one full tally of 64 goes on at once, 36 wait.
    for (int i = 0; i < 100; i++) {
      driver.pipe(events.used(use("t1", at(600).plusMillis(5L * i))));
    }
    KeyValueStore<String, UseTally> tallies =
        driver.driver.getKeyValueStore(AnomalyTopology.CLIENT_TALLIES);
    assertThat(tallies.get("app").count()).isEqualTo(36);
    // Another client's use moves the partition's own time on: the waiting tally is handed on.
    driver.pipe(
        events.used(
            new EventFactory.Use("t2", "bob", "other", at(603))
                .scopes(SCOPES, SCOPES)
                .token(at(603).plus(Duration.ofMinutes(10)), "grant-bob")));
    assertThat(tallies.get("app")).isNull();
    SecurityAlert alert = single(AlertRule.USAGE_SPIKE);
    assertThat(alert.getClientId()).isEqualTo("app");
    assertThat(alert.getEvidence().getCount()).isEqualTo(100);
  }

  @Test
  void shouldNotAlertOnASteadyHighRate() {
    restart(Map.of(AnomalyDetectorConfig.SPIKE_MIN_HISTORY, 5));
    driver.pipe(issue("t1", at(0)));
    for (int minute = 0; minute < 15; minute++) {
      for (int i = 0; i < 200; i++) {
        driver.pipe(events.used(use("t1", at(60L * minute).plusMillis(250L * i))));
      }
    }
    assertThat(driver.alerts()).isEmpty();
  }

  // REFRESH_TOKEN_REUSE

  @Test
  void shouldAlertOnTheIssuersGrantRevocationForRefreshTokenReuse() {
    driver.pipe(issue("t1", at(0)));
    driver.pipe(
        events.requested(
            SelectorKind.GRANT,
            "grant-alice",
            RevocationReason.REFRESH_TOKEN_REUSE,
            "refresh:app",
            at(30)));
    SecurityAlert alert = single(AlertRule.REFRESH_TOKEN_REUSE);
    assertThat(alert.getSubject()).isEqualTo("alice");
    assertThat(alert.getClientId()).isEqualTo("app");
    assertThat(alert.getGrantId()).isEqualTo("grant-alice");
  }

  @Test
  void shouldNotAlertOnGrantRevocationsForOtherReasons() {
    driver.pipe(issue("t1", at(0)));
    driver.pipe(
        events.requested(
            SelectorKind.GRANT, "grant-alice", RevocationReason.ADMIN, "admin@example", at(30)));
    assertThat(driver.alerts()).isEmpty();
  }

  // MAX_USE_OVERSHOOT

  @Test
  void shouldAlertOnUsesAcceptedBeyondMaxUsesWithCountsPerValidator() {
    driver.pipe(issue("t1", "alice", "app", at(0), 2));
    driver.pipe(events.used(use("t1", at(1)).by("gw-a")));
    driver.pipe(events.used(use("t1", at(2)).by("gw-b")));
    assertThat(driver.alerts()).isEmpty();
    driver.pipe(events.used(use("t1", at(3)).by("gw-b")));
    SecurityAlert alert = single(AlertRule.MAX_USE_OVERSHOOT);
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("overshoot", "1")
        .containsEntry("max_uses", "2")
        .containsEntry("accepted_by.gw-a", "1")
        .containsEntry("accepted_by.gw-b", "2");
  }
}
