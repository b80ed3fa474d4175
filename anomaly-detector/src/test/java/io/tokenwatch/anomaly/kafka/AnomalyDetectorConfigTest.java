package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.anomaly.AutoResponsePolicy;
import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.Severity;
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
}
