package io.tokenwatch.signals.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class DeliverySettingsTest {

  private static Map<String, Object> base() {
    Map<String, Object> configs = new HashMap<>();
    configs.put("bootstrap.servers", "localhost:9092");
    configs.put("schema.registry.url", "http://localhost:8081");
    configs.put("signals.issuer", "https://issuer.example");
    configs.put("signals.keys.dir", "/var/lib/tokenwatch/issuer");
    return configs;
  }

  @Test
  void shouldDefaultToADayOfPendingSetsAndBoundedBackoff() {
    DeliverySettings.Values values = DeliverySettings.of(SharedSignalsConfig.of(base()).values());

    assertThat(values.push().maxPendingAge()).isEqualTo(Duration.ofHours(24));
    assertThat(values.push().backoffInitial()).isEqualTo(Duration.ofSeconds(1));
    assertThat(values.push().backoffMax()).isEqualTo(Duration.ofMinutes(5));
    assertThat(values.pushGroupId()).isEqualTo("tokenwatch-ssf-push");
    assertThat(values.fanoutGroupId()).isEqualTo("tokenwatch-ssf-fanout");
  }

  @Test
  void shouldRefuseAPendingAgeReachingTheRetentionOfTheEventsTopic() {
    Map<String, Object> configs = base();
    configs.put("signals.pending.max-age-ms", Duration.ofDays(7).toMillis());

    assertThatThrownBy(() -> SharedSignalsConfig.of(configs))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("signals.pending.max-age-ms");
  }

  @Test
  void shouldRefuseABackoffCapBelowTheFirstWait() {
    Map<String, Object> configs = base();
    configs.put("signals.push.backoff-initial-ms", 5_000L);
    configs.put("signals.push.backoff-max-ms", 1_000L);

    assertThatThrownBy(() -> DeliverySettings.of(SharedSignalsConfig.of(configs).values()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("signals.push.backoff-max-ms");
  }
}
