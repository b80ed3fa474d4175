package io.tokenwatch.signals.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The poll keys: declared with defaults, bounds checked, the default within the bound. */
class PollSettingsTest {

  private static Map<String, Object> base() {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", "localhost:9092");
    config.put("schema.registry.url", "http://localhost:8081");
    config.put("signals.issuer", "https://issuer.example");
    config.put("signals.keys.dir", "/var/lib/tokenwatch");
    return config;
  }

  @Test
  void shouldDefaultToTheDocumentedLimits() {
    PollSettings.Values values = PollSettings.of(SharedSignalsConfig.of(base()).values());

    assertThat(values.delivery().maxEvents()).isEqualTo(1000);
    assertThat(values.delivery().maxWait()).isEqualTo(Duration.ofSeconds(30));
    assertThat(values.delivery().maxWaiting()).isEqualTo(64);
    assertThat(values.limits().defaultMaxEvents()).isEqualTo(100);
    assertThat(values.limits().maxAcks()).isEqualTo(1000);
    assertThat(values.limits().maxBodyBytes()).isEqualTo(262_144);
    assertThat(SharedSignalsConfig.markdownTable()).contains(PollSettings.MAX_WAIT_MS);
  }

  @Test
  void shouldRefuseADefaultAboveTheBound() {
    Map<String, Object> config = base();
    config.put(PollSettings.MAX_EVENTS, 10);
    config.put(PollSettings.DEFAULT_MAX_EVENTS, 11);

    assertThatThrownBy(() -> PollSettings.of(SharedSignalsConfig.of(config).values()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PollSettings.DEFAULT_MAX_EVENTS);
  }

  @Test
  void shouldRefuseANegativeWait() {
    Map<String, Object> config = base();
    config.put(PollSettings.MAX_WAIT_MS, -1);

    assertThatThrownBy(() -> SharedSignalsConfig.of(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PollSettings.MAX_WAIT_MS);
  }
}
