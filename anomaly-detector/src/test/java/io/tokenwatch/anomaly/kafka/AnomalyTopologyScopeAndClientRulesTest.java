package io.tokenwatch.anomaly.kafka;

import static io.tokenwatch.anomaly.kafka.DetectorDriver.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.scenarios.EventFactory;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.Severity;
import io.tokenwatch.events.UseDenyReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The topology's {@code SCOPE_ESCALATION} rule (insufficient-scope denials, refused issuance,
 * grants beyond the learned baseline) and {@code UNFAMILIAR_CLIENT} rule (another client, another
 * binding key, a new source network), in a {@link DetectorDriver}.
 */
class AnomalyTopologyScopeAndClientRulesTest extends AnomalyTopologyFixture {

  // SCOPE_ESCALATION

  @Test
  void shouldAlertOnRepeatedInsufficientScopeDenialsOfOneToken() {
    driver.pipe(issue("t1", at(0)));
    List<String> ids = new ArrayList<>();
    List<String> probes = List.of("admin:write", "billing:read", "users:delete");
    for (int i = 0; i < 3; i++) {
      Input input =
          events.used(
              use("t1", at(10 + i))
                  .denied(UseDenyReason.INSUFFICIENT_SCOPE)
                  .scopes(List.of(probes.get(i)), SCOPES));
      ids.add(((io.tokenwatch.events.TokenUsed) input.value()).getEventId());
      driver.pipe(input);
    }
    SecurityAlert alert = single(AlertRule.SCOPE_ESCALATION);
    assertThat(alert.getSeverity()).isEqualTo(Severity.HIGH);
    assertThat(alert.getSubject()).isEqualTo("alice");
    assertThat(alert.getTokenId()).isEqualTo("t1");
    assertThat(alert.getEvidence().getEventIds()).containsExactlyElementsOf(ids);
    assertThat(alert.getEvidence().getCount()).isEqualTo(3);
    assertThat(alert.getEvidence().getFirstSeen()).isEqualTo(at(10));
    assertThat(alert.getEvidence().getLastSeen()).isEqualTo(at(12));
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("missing_scopes", "users:delete")
        .containsEntry("distinct_missing_scope_sets", "3");
    assertThat(alert.getEvidence().getThresholds())
        .containsEntry("min_insufficient_scope_denials", "3");
  }

  @Test
  void shouldNotAlertOnInsufficientScopeDenialsBelowTheCountOrSpreadBeyondTheWindow() {
    driver.pipe(issue("t1", at(0)));
    for (long t : new long[] {10, 700, 1400}) {
      driver.pipe(
          events.used(
              use("t1", at(t))
                  .denied(UseDenyReason.INSUFFICIENT_SCOPE)
                  .scopes(List.of("admin:write"), SCOPES)));
    }
    assertThat(driver.alerts()).isEmpty();
  }

  @Test
  void shouldAlertOnRepeatedIssuanceRefusalsForScopesBeyondPolicy() {
    for (int i = 0; i < 3; i++) {
      driver.pipe(refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.CLIENT_CREDENTIALS, i));
    }
    SecurityAlert alert = single(AlertRule.SCOPE_ESCALATION);
    assertThat(alert.getClientId()).isEqualTo("app");
    assertThat(alert.getEvidence().getObserved()).containsEntry("excess_scopes", "admin:write");
    assertThat(alert.getEvidence().getCount()).isEqualTo(3);
  }

  @Test
  void shouldNotAlertOnTwoRefusalsOrOnRefusalsForOtherReasons() {
    driver.pipe(refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.CLIENT_CREDENTIALS, 0));
    driver.pipe(refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.CLIENT_CREDENTIALS, 1));
    driver.pipe(refusal(IssuanceDenyReason.TTL_ABOVE_POLICY, GrantType.CLIENT_CREDENTIALS, 2));
    driver.pipe(refusal(IssuanceDenyReason.UNKNOWN_CLIENT, GrantType.CLIENT_CREDENTIALS, 3));
    assertThat(driver.alerts()).isEmpty();
  }

  @Test
  void shouldAlertAtOnceOnARefreshAskingMoreThanItsParent() {
    driver.pipe(refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.REFRESH_TOKEN, 0));
    SecurityAlert alert = single(AlertRule.SCOPE_ESCALATION);
    assertThat(alert.getGrantId()).isEqualTo("grant-alice");
    assertThat(alert.getEvidence().getObserved()).containsEntry("grant_type", "REFRESH_TOKEN");
  }

  @Test
  void shouldLearnTheScopeBaselineFromTheEarliestIssuanceWhateverOrderTheyArriveIn() {
    // Within the allowed lateness, the per-client rules apply them in event-time order.
    restart(
        Map.of(
            AnomalyDetectorConfig.SCOPE_LEARNING_MS,
            300_000,
            AnomalyDetectorConfig.ALLOWED_LATENESS_MS,
            300_000));
    driver.pipe(issue("t2", at(200))); // as from a partition ahead of the other
    driver.pipe(issue("t1", at(0)));
    driver.pipe(
        events.issued(
            "t3",
            "alice",
            "app",
            "grant-alice",
            List.of("orders:read", "admin:write"),
            at(350),
            Duration.ofMinutes(10),
            null,
            GrantType.CLIENT_CREDENTIALS));
    assertThat(single(AlertRule.SCOPE_ESCALATION).getEvidence().getObserved())
        .containsEntry("new_scopes", "admin:write");
  }

  @Test
  void shouldAlertOnAGrantBroaderThanTheClientsBaselineAfterLearning() {
    restart(Map.of(AnomalyDetectorConfig.SCOPE_LEARNING_MS, 60_000));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(issue("t2", at(120)));
    driver.pipe(
        events.issued(
            "t3",
            "alice",
            "app",
            "grant-alice",
            List.of("orders:read", "admin:write"),
            at(180),
            Duration.ofMinutes(10),
            null,
            GrantType.CLIENT_CREDENTIALS));
    SecurityAlert alert = single(AlertRule.SCOPE_ESCALATION);
    assertThat(alert.getTokenId()).isEqualTo("t3");
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("new_scopes", "admin:write")
        .containsEntry("baseline_scopes", "orders:read");
  }

  @Test
  void shouldLearnTheScopeBaselineWithoutAlertingDuringTheLearningWindow() {
    restart(Map.of(AnomalyDetectorConfig.SCOPE_LEARNING_MS, 600_000));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(
        events.issued(
            "t2",
            "alice",
            "app",
            "grant-alice",
            List.of("orders:read", "orders:write"),
            at(60),
            Duration.ofMinutes(10),
            null,
            GrantType.CLIENT_CREDENTIALS));
    assertThat(driver.alerts()).isEmpty();
  }

  // UNFAMILIAR_CLIENT

  @Test
  void shouldAlertWhenAnotherClientPresentsTheToken() {
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(5)).presentedBy("app")));
    driver.pipe(events.used(use("t1", at(10)).presentedBy("mallory")));
    SecurityAlert alert = single(AlertRule.UNFAMILIAR_CLIENT);
    assertThat(alert.getTokenId()).isEqualTo("t1");
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("issued_to_client", "app")
        .containsEntry("presented_by_client", "mallory");
  }

  @Test
  void shouldAlertWhenABoundTokenComesWithProofOfAnotherKey() {
    Input issued = issue("t1", at(0));
    ((io.tokenwatch.events.TokenIssued) issued.value())
        .setChannelBinding(
            io.tokenwatch.events.ChannelBinding.newBuilder()
                .setType(io.tokenwatch.events.BindingType.DPOP)
                .setThumbprint("key-1")
                .build());
    driver.pipe(issued);
    driver.pipe(events.used(use("t1", at(5)).provedKey("key-1")));
    assertThat(driver.alerts()).isEmpty();
    driver.pipe(events.used(use("t1", at(10)).provedKey("key-2")));
    SecurityAlert alert = single(AlertRule.UNFAMILIAR_CLIENT);
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("bound_key", "key-1")
        .containsEntry("presented_key", "key-2");
  }

  @Test
  void shouldAlertOnATokenUsedWithManyBindingKeys() {
    driver.pipe(issue("t1", at(0)));
    for (int i = 0; i < 4; i++) {
      driver.pipe(events.used(use("t1", at(10 + i)).provedKey("key-" + i)));
    }
    SecurityAlert alert = single(AlertRule.TOKEN_SPREAD);
    assertThat(alert.getEvidence().getObserved()).containsEntry("distinct_binding_keys", "3");
  }

  @Test
  void shouldAlertOnANewSourceNetworkAfterLearningButNotOnAKnownOne() {
    restart(
        Map.of(
            AnomalyDetectorConfig.NETWORK_LEARNING_MS,
            60_000,
            AnomalyDetectorConfig.NETWORK_CONFIRM_MS,
            0));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(1)).from("10.0.0.1")));
    driver.pipe(events.used(use("t1", at(30)).from("10.0.1.9"))); // learning: learned
    driver.pipe(issue("t2", at(80)));
    driver.pipe(events.used(use("t2", at(90)).from("10.0.0.77"))); // same /24: known
    driver.pipe(issue("t3", at(80)));
    driver.pipe(events.used(use("t3", at(95)).from("10.0.1.10"))); // learned network
    assertThat(driver.alerts()).isEmpty();
    driver.pipe(events.used(use("t2", at(100)).from("203.0.113.5")));
    SecurityAlert alert = single(AlertRule.UNFAMILIAR_CLIENT);
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("network", "203.0.113.0/24")
        .containsEntry("known_networks", "10.0.0.0/24,10.0.1.0/24");
    assertThat(alert.getSubject()).isEqualTo("alice");
  }

  @Test
  void shouldStartLearningAtTheEarliestSightingWhateverOrderTheyArriveIn() {
    // Within the allowed lateness, the per-client rules apply them in event-time order.
    restart(
        Map.of(
            AnomalyDetectorConfig.NETWORK_LEARNING_MS,
            300_000,
            AnomalyDetectorConfig.NETWORK_CONFIRM_MS,
            0,
            AnomalyDetectorConfig.ALLOWED_LATENESS_MS,
            300_000));
    // as from two partitions far apart in event time: the later sighting arrives first
    driver.pipe(events.used(use("t2", at(200)).from("10.0.0.1")));
    driver.pipe(events.used(use("t1", at(0)).from("10.0.0.2")));
    driver.pipe(events.used(use("t3", at(350)).from("203.0.113.7")));
    SecurityAlert alert = single(AlertRule.UNFAMILIAR_CLIENT);
    assertThat(alert.getEvidence().getObserved()).containsEntry("learning_since", at(0).toString());
  }

  @Test
  void shouldAlertOnANewSourceNetworkSecondsAfterAShortLearningWindow() {
    restart(
        Map.of(
            AnomalyDetectorConfig.NETWORK_LEARNING_MS,
            2_000,
            AnomalyDetectorConfig.NETWORK_CONFIRM_MS,
            0));
    driver.pipe(issue("t1", at(0)));
    for (int i = 0; i < 20; i++) {
      driver.pipe(events.used(use("t1", START.plusMillis(100 + 150L * i)).from("10.20.0.12")));
    }
    driver.pipe(issue("t2", at(3)));
    driver.pipe(events.used(use("t2", START.plusMillis(3_010)).from("10.20.0.12")));
    assertThat(driver.alerts()).isEmpty();
    driver.pipe(events.used(use("t2", START.plusMillis(3_020)).from("203.0.113.66")));
    SecurityAlert alert = single(AlertRule.UNFAMILIAR_CLIENT);
    assertThat(alert.getTokenId()).isEqualTo("t2");
  }

  @Test
  void shouldHoldANewSourceNetworkForTheConfirmWindowThenRaiseOneIncident() {
    restart(
        Map.of(
            AnomalyDetectorConfig.NETWORK_LEARNING_MS,
            60_000,
            AnomalyDetectorConfig.NETWORK_CONFIRM_MS,
            120_000));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(1)).from("10.0.0.1")));
    driver.pipe(issue("t2", at(80)));
    driver.pipe(events.used(use("t2", at(100)).from("203.0.113.5")));
    driver.pipe(events.used(use("t2", at(130)).from("10.0.0.1")));
    assertThat(driver.alerts()).as("watched for two minutes").isEmpty();
    // the client's next signal after the window decides it
    driver.pipe(events.used(use("t2", at(240)).from("10.0.0.2")));
    driver.pipe(events.used(use("t2", at(300)).from("10.0.0.3")));

    SecurityAlert alert = single(AlertRule.UNFAMILIAR_CLIENT);
    assertThat(alert.getEvidence().getLastSeen()).isEqualTo(at(100));
    assertThat(alert.getEvidence().getObserved()).containsEntry("sources_on_network", "1");
    assertThat(alert.getCovers()).contains("source:203.0.113.5", "subject:alice", "token:t2");
    assertThat(alert.getRevision()).isZero();
  }

  @Test
  void shouldTakeANetworkThatServesSeveralReplicasWithinTheConfirmWindowForTheClientsOwn() {
    restart(
        Map.of(
            AnomalyDetectorConfig.NETWORK_LEARNING_MS,
            60_000,
            AnomalyDetectorConfig.NETWORK_CONFIRM_MS,
            120_000));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(1)).from("10.0.0.1")));
    driver.pipe(issue("t2", at(80)));
    // a deploy: three replicas of the service come up in a new network and share the token
    driver.pipe(events.used(use("t2", at(100)).from("10.9.9.1")));
    driver.pipe(events.used(use("t2", at(110)).from("10.9.9.2")));
    driver.pipe(events.used(use("t2", at(120)).from("10.9.9.3")));
    driver.pipe(events.used(use("t2", at(400)).from("10.9.9.4")));
    driver.pipe(events.used(use("t2", at(900)).from("10.9.9.5")));

    assertThat(driver.alerts()).isEmpty();
  }

  @Test
  void shouldUpdateOneIncidentUnderOneAlertIdAsTheNewNetworkServesMoreSubjects() {
    restart(
        Map.of(
            AnomalyDetectorConfig.NETWORK_LEARNING_MS,
            60_000,
            AnomalyDetectorConfig.NETWORK_CONFIRM_MS,
            0));
    driver.pipe(issue("t1", "alice", "app", at(0), null));
    driver.pipe(issue("t2", "bob", "app", at(0), null));
    driver.pipe(events.used(new EventFactory.Use("t1", "alice", "app", at(1)).from("10.0.0.1")));
    driver.pipe(events.used(new EventFactory.Use("t2", "bob", "app", at(1)).from("10.0.0.2")));
    driver.pipe(
        events.used(new EventFactory.Use("t1", "alice", "app", at(100)).from("203.0.113.5")));
    driver.pipe(events.used(new EventFactory.Use("t2", "bob", "app", at(110)).from("203.0.113.5")));

    List<SecurityAlert> alerts = driver.alerts();
    assertThat(alerts).extracting(SecurityAlert::getRule).containsOnly(AlertRule.UNFAMILIAR_CLIENT);
    assertThat(alerts).extracting(SecurityAlert::getRevision).containsExactly(0, 1);
    assertThat(alerts)
        .extracting(SecurityAlert::getAlertId)
        .containsOnly(alerts.get(0).getAlertId());
    assertThat(alerts.get(0).getEventId()).isNotEqualTo(alerts.get(1).getEventId());
    assertThat(alerts.get(1).getCovers())
        .containsExactly(
            "source:203.0.113.5", "subject:alice", "subject:bob", "token:t1", "token:t2");
  }

  // Event-time order of the per-client rules

  @Test
  void shouldHoldThePerClientRulesUntilEveryInputHasPassedTheirEventsAndAQuietOneWentIdle() {
    for (int i = 0; i < 3; i++) {
      driver.pipe(refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.CLIENT_CREDENTIALS, i));
    }
    // Nothing on token-used and token-issued yet: they hold the rules back.
    assertThat(driver.alerts.isEmpty()).isTrue();
    Duration idle = driver.config.idleSource();
    Duration almost = idle.minusSeconds(1);
    driver.advanceWallClockTime(almost);
    assertThat(driver.alerts.isEmpty()).as("not idle yet").isTrue();
    // Idle long enough, each input passes the wall clock less the idle time and the lateness:
    // here the last refusal's time, at(50).
    driver.advanceWallClockTime(
        Duration.between(START, at(50))
            .plus(idle)
            .plus(driver.config.allowedLateness())
            .minus(almost));
    List<SecurityAlert> alerts = driver.alerts.readValuesToList();
    assertThat(alerts)
        .extracting(SecurityAlert::getRule)
        .containsExactly(AlertRule.SCOPE_ESCALATION);
    assertThat(alerts.get(0).getEvidence().getCount()).isEqualTo(3);
  }

  @Test
  void shouldLeaveAnEventLaterThanTheAllowedLatenessOnItsPartitionOutOfThePerClientRules() {
    driver.pipe(refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.CLIENT_CREDENTIALS, 5));
    // 80 s older than the newest refusal on its partition: late.
    Input late = refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.CLIENT_CREDENTIALS, 1);
    driver.pipe(late);
    driver.pipe(refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.CLIENT_CREDENTIALS, 6));
    assertThat(driver.alerts()).as("two refusals on time, one late").isEmpty();
    driver.pipe(refusal(IssuanceDenyReason.SCOPE_NOT_APPROVED, GrantType.CLIENT_CREDENTIALS, 7));
    SecurityAlert alert = single(AlertRule.SCOPE_ESCALATION);
    assertThat(alert.getEvidence().getCount()).isEqualTo(3);
    assertThat(alert.getEvidence().getEventIds())
        .doesNotContain(((IssuanceDenied) late.value()).getEventId());
  }

  private Input refusal(IssuanceDenyReason reason, GrantType type, int i) {
    return events.denied(
        "app",
        "alice",
        reason,
        type,
        List.of("orders:read", "admin:write"),
        SCOPES,
        type == GrantType.REFRESH_TOKEN ? "grant-alice" : null,
        at(10 + 20L * i));
  }
}
