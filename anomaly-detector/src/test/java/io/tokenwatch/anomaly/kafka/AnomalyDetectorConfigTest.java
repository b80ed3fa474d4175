package io.tokenwatch.anomaly.kafka;

import static io.tokenwatch.schemas.config.RenamedKeys.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.anomaly.AutoResponsePolicy;
import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.Severity;
import io.tokenwatch.anomaly.ValidatorThresholds;
import io.tokenwatch.schemas.config.RenamedKeys;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class AnomalyDetectorConfigTest {

  private static Map<String, Object> minimal() {
    Map<String, Object> settings = new HashMap<>();
    settings.put("bootstrap.servers", "localhost:9092");
    settings.put("schema.registry.url", "http://localhost:8081");
    return settings;
  }

  @Test
  void shouldDefaultToExactlyOnceAndNoAutoResponse() {
    AnomalyDetectorConfig config = AnomalyDetectorConfig.of(minimal());
    assertThat(config.streamsProperties().get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
        .isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(config.autoResponse()).isEqualTo(AutoResponsePolicy.OFF);
    assertThat(config.settings().severity(Rule.REPLAY_AFTER_REVOCATION))
        .isEqualTo(Severity.CRITICAL);
    assertThat(config.httpPort()).isEqualTo(8094);
    assertThat(config.outputTopic()).isEqualTo("tokenwatch.security-alerts");
  }

  @Test
  void shouldWatchValidatorsWithTheirOwnIntervalsAndTheValidatorsStalenessBudgetByDefault() {
    ValidatorThresholds thresholds = AnomalyDetectorConfig.of(minimal()).validatorThresholds();

    assertThat(thresholds.silentAfter(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(15));
    assertThat(thresholds.silentAfter(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(30));
    assertThat(thresholds.maxStaleness()).isEqualTo(Duration.ofSeconds(30));
    assertThat(thresholds.forgetAfter()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void shouldRefuseAutoResponseForValidatorRulesAndAForgetPeriodShorterThanSilence() {
    Map<String, Object> settings = minimal();
    settings.put(AnomalyDetectorConfig.AUTO_RESPONSE_RULES, "TOKEN_SPREAD,VALIDATOR_SILENT");
    assertThatThrownBy(() -> AnomalyDetectorConfig.of(settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("VALIDATOR_SILENT fires on a validator");

    Map<String, Object> forgetful = minimal();
    forgetful.put(AnomalyDetectorConfig.VALIDATOR_SILENT_AFTER_MS, 60_000L);
    forgetful.put(AnomalyDetectorConfig.VALIDATOR_FORGET_AFTER_MS, 30_000L);
    assertThatThrownBy(() -> AnomalyDetectorConfig.of(forgetful))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("forgetAfter must exceed the silence threshold");
  }

  @Test
  void shouldReportEveryProblemAtOnce() {
    Map<String, Object> settings = minimal();
    settings.put(AnomalyDetectorConfig.AUTO_RESPONSE_RULES, "TOKEN_SPREAD,NO_SUCH_RULE");
    settings.put(AnomalyDetectorConfig.severityKey(Rule.USAGE_SPIKE), "URGENT");
    settings.put(AnomalyDetectorConfig.SPREAD_DISTINCT, 1);
    assertThatThrownBy(() -> AnomalyDetectorConfig.of(settings))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("3 problem(s)")
        .hasMessageContaining("NO_SUCH_RULE")
        .hasMessageContaining("URGENT")
        .hasMessageContaining(AnomalyDetectorConfig.SPREAD_DISTINCT);
  }

  @Test
  void shouldParseTheAutoResponseOptIn() {
    Map<String, Object> settings = minimal();
    settings.put(
        AnomalyDetectorConfig.AUTO_RESPONSE_RULES, "token_spread, REPLAY_AFTER_REVOCATION");
    settings.put(AnomalyDetectorConfig.AUTO_RESPONSE_MIN_SEVERITY, "high");
    AutoResponsePolicy policy = AnomalyDetectorConfig.of(settings).autoResponse();
    assertThat(policy.responds(Rule.TOKEN_SPREAD, Severity.HIGH)).isTrue();
    assertThat(policy.responds(Rule.TOKEN_SPREAD, Severity.MEDIUM)).isFalse();
    assertThat(policy.responds(Rule.USAGE_SPIKE, Severity.CRITICAL)).isFalse();
  }

  private static final RenamedKeys<AnomalyDetectorConfig> RENAMED =
      new RenamedKeys<>(
          AnomalyDetectorConfig.deprecatedKeys(),
          minimal(),
          AnomalyDetectorConfig::of,
          AnomalyDetectorConfig::deprecations,
          Map.ofEntries(
              Map.entry(
                  AnomalyDetectorConfig.SUPPRESSION_MS,
                  sample("60000", c -> c.settings().suppression().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.INSUFFICIENT_SCOPE_COUNT,
                  sample("7", c -> c.settings().insufficientScopeCount())),
              Map.entry(
                  AnomalyDetectorConfig.REFUSALS_COUNT,
                  sample("8", c -> c.settings().deniedIssuanceCount())),
              Map.entry(
                  AnomalyDetectorConfig.SCOPE_WINDOW_MS,
                  sample("61000", c -> c.settings().scopeWindow().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.SCOPE_LEARNING_MS,
                  sample("62000", c -> c.settings().scopeBaselineLearning().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.SCOPE_RETENTION_MS,
                  sample("63000", c -> c.settings().scopeBaselineRetention().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.NETWORK_LEARNING_MS,
                  sample("64000", c -> c.settings().networkLearning().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.NETWORK_RETENTION_MS,
                  sample("65000", c -> c.settings().networkRetention().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.REPLAY_GRACE_MS,
                  sample("66000", c -> c.settings().replayGrace().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.EXPIRED_WINDOW_MS,
                  sample("67000", c -> c.settings().expiredWindow().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.SPREAD_WINDOW_MS,
                  sample("68000", c -> c.settings().spreadWindow().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.SPIKE_BUCKET_MS,
                  sample("69000", c -> c.settings().spikeBucket().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.SPIKE_TALLY_USES,
                  sample("9", c -> c.settings().tallyUses())),
              Map.entry(
                  AnomalyDetectorConfig.SPIKE_TALLY_MS,
                  sample("2000", c -> c.settings().tallyPeriod().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.TOKEN_RETENTION_MS,
                  sample("70000", c -> c.settings().tokenRetention().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.MAX_TOKEN_TTL_MS,
                  sample("71000", c -> c.settings().maxTokenTtl().toMillis())),
              Map.entry(
                  AnomalyDetectorConfig.PUNCTUATION_MS,
                  sample("72000", c -> c.punctuation().toMillis()))));

  @Test
  void shouldReadEveryKeyByItsNewNameAndByItsOldNameWithAWarningNamingTheNewOne() {
    RENAMED.assertEveryOldNameStillWorksAndWarns();
  }

  @Test
  void shouldRefuseAnOldAndANewNameGivenDifferentValuesAlongsideEveryOtherProblem() {
    RENAMED.assertOldAndNewWithDifferentValuesIsAProblem(AnomalyDetectorConfig.HTTP_PORT, "-1");
  }
}
