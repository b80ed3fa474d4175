package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.TokenWatch;
import io.tokenwatch.anomaly.scenarios.EventFactory;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.UseDenyReason;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * What the topology does around the rules: suppression of repeated alerts, alert ids and keys
 * stable under reprocessing, opt-in auto-response, replay mode, dead letters for undecodable and
 * invalid input, and dropping expired token state, in a {@link DetectorDriver}.
 */
class AnomalyTopologyAlertOutputAndStateTest extends AnomalyTopologyFixture {

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
}
