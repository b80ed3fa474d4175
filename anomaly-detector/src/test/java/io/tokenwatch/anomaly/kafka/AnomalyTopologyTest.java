package io.tokenwatch.anomaly.kafka;

import static io.tokenwatch.anomaly.kafka.DetectorDriver.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.TokenWatch;
import io.tokenwatch.anomaly.scenarios.EventFactory;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.Severity;
import io.tokenwatch.events.UseDenyReason;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AnomalyTopologyTest {

  private static final List<String> SCOPES = List.of("orders:read");
  private final EventFactory events = new EventFactory(42);
  private DetectorDriver driver = new DetectorDriver(Map.of());

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private void restart(Map<String, ?> overrides) {
    driver.close();
    driver = new DetectorDriver(overrides);
  }

  private Input issue(String token, Instant at) {
    return issue(token, "alice", "app", at, null);
  }

  private Input issue(String token, String subject, String client, Instant at, Integer maxUses) {
    return events.issued(
        token,
        subject,
        client,
        "grant-" + subject,
        SCOPES,
        at,
        Duration.ofMinutes(10),
        maxUses,
        GrantType.CLIENT_CREDENTIALS);
  }

  private EventFactory.Use use(String token, Instant at) {
    return new EventFactory.Use(token, "alice", "app", at)
        .scopes(SCOPES, SCOPES)
        .token(at.plus(Duration.ofMinutes(10)), "grant-alice");
  }

  private static Instant at(long seconds) {
    return START.plusSeconds(seconds);
  }

  private SecurityAlert single(AlertRule rule) {
    List<SecurityAlert> alerts = driver.alerts();
    assertThat(alerts).extracting(SecurityAlert::getRule).containsExactly(rule);
    return alerts.get(0);
  }

  // SCOPE_ESCALATION

  @Test
  void shouldAlertOnRepeatedInsufficientScopeDenialsOfOneToken() {
    driver.pipe(issue("t1", at(0)));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Input input =
          events.used(
              use("t1", at(10 + i))
                  .denied(UseDenyReason.INSUFFICIENT_SCOPE)
                  .scopes(List.of("admin:write"), SCOPES));
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
    assertThat(alert.getEvidence().getObserved()).containsEntry("missing_scopes", "admin:write");
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
    restart(Map.of(AnomalyDetectorConfig.SCOPE_LEARNING_MS, 300_000));
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
    assertThat(alert.getEvidence().getObserved()).containsEntry("distinct_binding_keys", "4");
  }

  @Test
  void shouldAlertOnANewSourceNetworkAfterLearningButNotOnAKnownOne() {
    restart(Map.of(AnomalyDetectorConfig.NETWORK_LEARNING_MS, 60_000));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(1)).from("10.0.0.1")));
    driver.pipe(events.used(use("t1", at(30)).from("10.0.1.9"))); // learning: learned
    driver.pipe(issue("t2", at(80)));
    driver.pipe(events.used(use("t2", at(90)).from("10.0.0.77"))); // same /24: known
    driver.pipe(events.used(use("t2", at(95)).from("10.0.1.10"))); // learned network
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
    restart(Map.of(AnomalyDetectorConfig.NETWORK_LEARNING_MS, 300_000));
    // as from two partitions far apart in event time: the later sighting arrives first
    driver.pipe(events.used(use("t2", at(200)).from("10.0.0.1")));
    driver.pipe(events.used(use("t1", at(0)).from("10.0.0.2")));
    driver.pipe(events.used(use("t3", at(350)).from("203.0.113.7")));
    SecurityAlert alert = single(AlertRule.UNFAMILIAR_CLIENT);
    assertThat(alert.getEvidence().getObserved()).containsEntry("learning_since", at(0).toString());
  }

  @Test
  void shouldAlertOnANewSourceNetworkSecondsAfterAShortLearningWindow() {
    restart(Map.of(AnomalyDetectorConfig.NETWORK_LEARNING_MS, 2_000));
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
  void shouldAlertOnATokenUsedFromManySources() {
    driver.pipe(issue("t1", at(0)));
    for (int i = 0; i < 4; i++) {
      driver.pipe(events.used(use("t1", at(10 + i)).from("10.0.0." + i)));
    }
    SecurityAlert alert = single(AlertRule.TOKEN_SPREAD);
    assertThat(alert.getEvidence().getCount()).isEqualTo(4);
    assertThat(alert.getEvidence().getObserved())
        .containsEntry("sources", "10.0.0.0,10.0.0.1,10.0.0.2,10.0.0.3");
  }

  @Test
  void shouldNotAlertOnFewSourcesOrSourcesOutsideTheWindow() {
    driver.pipe(issue("t1", at(0)));
    for (int i = 0; i < 3; i++) {
      driver.pipe(events.used(use("t1", at(10 + i)).from("10.0.0." + i)));
    }
    driver.pipe(events.used(use("t1", at(900)).from("10.0.0.9")));
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
  void shouldCountAClientsLastUsesOnceStreamTimeMovesOn() {
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
    assertThat(driver.alerts()).isEmpty();
    // Another client's use moves stream time on; the waiting tally is handed on and counts.
    driver.pipe(
        events.used(
            new EventFactory.Use("t2", "bob", "other", at(603))
                .scopes(SCOPES, SCOPES)
                .token(at(603).plus(Duration.ofMinutes(10)), "grant-bob")));
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

  // suppression, ids, auto-response, replay mode, dead letters, state

  @Test
  void shouldAlertOncePerIncidentAndAgainAfterAQuietSuppressionWindow() {
    restart(Map.of(AnomalyDetectorConfig.SUPPRESSION_MS, 600_000));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(10)).denied(UseDenyReason.REVOKED)));
    driver.pipe(events.used(use("t1", at(300)).denied(UseDenyReason.REVOKED)));
    driver.pipe(events.used(use("t1", at(800)).denied(UseDenyReason.REVOKED)));
    assertThat(driver.alerts()).hasSize(1);
    driver.pipe(events.used(use("t1", at(1500)).denied(UseDenyReason.REVOKED)));
    List<SecurityAlert> second = driver.alerts();
    assertThat(second).hasSize(1);
    assertThat(second.get(0).getEvidence().getFirstSeen()).isEqualTo(at(1500));
  }

  @Test
  void shouldDeriveAlertIdsAndEventIdsFromTheIncidentSoReprocessingRepeatsThem() {
    List<Input> inputs = new ArrayList<>();
    inputs.add(issue("t1", at(0)));
    inputs.add(events.used(use("t1", at(60)).denied(UseDenyReason.REVOKED)));
    inputs.add(events.used(use("t1", at(61)).presentedBy("mallory")));
    driver.pipe(inputs);
    List<SecurityAlert> first = driver.alerts();
    restart(Map.of());
    driver.pipe(inputs);
    List<SecurityAlert> second = driver.alerts();
    assertThat(first).hasSize(2);
    assertThat(second).isEqualTo(first);
    assertThat(first.get(0).getAlertId())
        .isEqualTo(
            io.tokenwatch.anomaly.Alert.idOf(
                io.tokenwatch.anomaly.Rule.REPLAY_AFTER_REVOCATION, "token:t1", at(60)));
  }

  @Test
  void shouldKeyAlertsBySubject() {
    driver.pipe(issue("t1", "bob", "app", at(0), null));
    driver.pipe(
        events.used(new EventFactory.Use("t1", "bob", "app", at(5)).denied(UseDenyReason.REVOKED)));
    List<TestRecord<String, SecurityAlert>> records = driver.alertRecords();
    assertThat(records).extracting(TestRecord::key).containsExactly("bob");
    assertThat(records.get(0).timestamp()).isEqualTo(at(5).toEpochMilli());
  }

  @Test
  void shouldNotRespondAutomaticallyByDefault() {
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(60)).denied(UseDenyReason.REVOKED)));
    assertThat(single(AlertRule.REPLAY_AFTER_REVOCATION).getAutoResponse()).isNull();
    assertThat(driver.requests.isEmpty()).isTrue();
  }

  @Test
  void shouldRequestARevocationAttributedToTheRuleWhenOptedIn() {
    restart(Map.of(AnomalyDetectorConfig.AUTO_RESPONSE_RULES, "REPLAY_AFTER_REVOCATION"));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(60)).denied(UseDenyReason.REVOKED)));
    SecurityAlert alert = single(AlertRule.REPLAY_AFTER_REVOCATION);
    assertThat(alert.getAutoResponse().getValue()).isEqualTo("t1");
    List<TestRecord<String, RevocationRequested>> requests = driver.requests.readRecordsToList();
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).key()).isEqualTo("token:t1");
    RevocationRequested request = requests.get(0).value();
    assertThat(request.getReason()).isEqualTo(RevocationReason.ANOMALY_AUTO_RESPONSE);
    assertThat(request.getRequestedBy()).isEqualTo("anomaly-detector:REPLAY_AFTER_REVOCATION");
    assertThat(request.getSelector().getKind()).isEqualTo(SelectorKind.TOKEN);
    assertThat(request.getDetail()).contains(alert.getAlertId());
  }

  @Test
  void shouldNotRespondForRulesNotOptedInOrBelowTheMinimumSeverity() {
    restart(
        Map.of(
            AnomalyDetectorConfig.AUTO_RESPONSE_RULES,
            "TOKEN_SPREAD,UNFAMILIAR_CLIENT",
            AnomalyDetectorConfig.severityKey(io.tokenwatch.anomaly.Rule.UNFAMILIAR_CLIENT),
            "HIGH"));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(60)).denied(UseDenyReason.REVOKED)));
    driver.pipe(events.used(use("t1", at(61)).presentedBy("mallory")));
    assertThat(driver.alerts()).hasSize(2).allMatch(a -> a.getAutoResponse() == null);
    assertThat(driver.requests.isEmpty()).isTrue();
  }

  @Test
  void shouldNeverRespondInAReplayAndIgnoreEventsAfterItsEnd() {
    driver.close();
    driver =
        new DetectorDriver(
            Map.of(AnomalyDetectorConfig.AUTO_RESPONSE_RULES, "REPLAY_AFTER_REVOCATION"),
            AnomalyTopology.Mode.replayUntil(at(100)));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(issue("t2", at(0)));
    driver.pipe(events.used(use("t1", at(60)).denied(UseDenyReason.REVOKED)));
    driver.pipe(events.used(use("t2", at(160)).denied(UseDenyReason.REVOKED)));
    List<SecurityAlert> alerts = driver.alerts();
    assertThat(alerts).extracting(SecurityAlert::getTokenId).containsExactly("t1");
    assertThat(alerts.get(0).getAutoResponse()).isNull();
  }

  @Test
  void shouldDeadLetterUndecodableAndInvalidRecordsAndKeepGoing() {
    driver.rawUsed.pipeInput(
        "t9".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}, at(1).toEpochMilli());
    // A use whose key is not its token id.
    Input wrongKey = events.used(use("t1", at(2)));
    driver.pipe(new Input(wrongKey.topic(), "other", wrongKey.value(), wrongKey.at()));
    driver.pipe(issue("t1", at(3)));
    driver.pipe(events.used(use("t1", at(4)).denied(UseDenyReason.REVOKED)));
    var dead = driver.deadLetters.readRecordsToList();
    assertThat(dead).hasSize(2);
    assertThat(
            new String(
                dead.get(0).headers().lastHeader(Decoding.TOPIC).value(), StandardCharsets.UTF_8))
        .isEqualTo(Topics.TOKEN_USED.name());
    assertThat(driver.alerts()).hasSize(1);
  }

  @Test
  void shouldDropTokenStateOnceItsTokenExpiredPlusRetention() {
    restart(
        Map.of(
            AnomalyDetectorConfig.TOKEN_RETENTION_MS, 60_000,
            AnomalyDetectorConfig.PUNCTUATION_MS, 1_000));
    driver.pipe(issue("t1", at(0)));
    driver.pipe(events.used(use("t1", at(1))));
    KeyValueStore<String, TokenWatch> tokens =
        driver.driver.getKeyValueStore(AnomalyTopology.TOKEN_WATCH);
    assertThat(tokens.get("t1")).isNotNull();
    driver.pipe(issue("t2", at(3000)));
    driver.pipe(events.used(use("t2", at(3001))));
    assertThat(tokens.get("t1")).isNull();
    assertThat(tokens.get("t2")).isNotNull();
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
