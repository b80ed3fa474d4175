package io.tokenwatch.signals.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The receiver's keys: off unless configured, every problem of an enabled one reported at once. */
class ReceiverSettingsTest {

  private static final String HASH = "a".repeat(64);

  private static Map<String, Object> base() {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", "localhost:9092");
    config.put("schema.registry.url", "http://localhost:8081");
    config.put("signals.issuer", "https://tokenwatch.example.com");
    config.put("signals.keys.dir", "/var/lib/tokenwatch");
    return config;
  }

  @Test
  void shouldDocumentEveryReceiverKeyInTheReadme() throws Exception {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
    String section = readme.substring(readme.indexOf("## Receiver"));
    assertThat(SharedSignalsConfig.configDef().names())
        .filteredOn(name -> name.startsWith(ReceiverSettings.PREFIX))
        .isNotEmpty()
        .allSatisfy(name -> assertThat(section).contains("`" + name + "`"));
  }

  @Test
  void shouldBeOffUnlessAnUpstreamIssuerIsConfigured() {
    assertThat(ReceiverSettings.of(SharedSignalsConfig.of(base()).values())).isEmpty();
  }

  @Test
  void shouldReportEveryMissingSettingOfAnEnabledReceiverAtOnce() {
    Map<String, Object> config = base();
    config.put("signals.receiver.issuer", "https://idp.example.com");
    SharedSignalsConfig parsed = SharedSignalsConfig.of(config);

    assertThatThrownBy(() -> ReceiverSettings.of(parsed.values()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("signals.receiver.jwks-url")
        .hasMessageContaining("signals.receiver.audience")
        .hasMessageContaining("signals.receiver.poll-url");
  }

  @Test
  void shouldRefuseSymmetricOrNoneAlgorithms() {
    for (String alg : new String[] {"HS256", "none"}) {
      Map<String, Object> config = base();
      config.put("signals.receiver.algorithms", "ES256," + alg);
      assertThatThrownBy(() -> SharedSignalsConfig.of(config))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("signals.receiver.algorithms");
    }
  }

  @Test
  void shouldReadAnEnabledPushReceiver() {
    Map<String, Object> config = base();
    config.put("signals.receiver.issuer", "https://idp.example.com");
    config.put("signals.receiver.jwks-url", "https://idp.example.com/jwks.json");
    config.put("signals.receiver.audience", "urn:tokenwatch:receiver");
    config.put("signals.receiver.push.secret-sha256", HASH);

    ReceiverSettings.Receiver receiver =
        ReceiverSettings.of(SharedSignalsConfig.of(config).values()).orElseThrow();

    assertThat(receiver.pushSecretSha256()).contains(HASH);
    assertThat(receiver.poll()).isEmpty();
    assertThat(receiver.policy().issuer()).isEqualTo("https://idp.example.com");
    assertThat(receiver.policy().subjects().subjectIssuer()).isEqualTo("https://idp.example.com");
    assertThat(receiver.policy().algorithms()).contains("ES256").doesNotContain("HS256");
  }

  @Test
  void shouldNeverPrintThePollAuthorization() {
    Map<String, Object> config = base();
    config.put("signals.receiver.issuer", "https://idp.example.com");
    config.put("signals.receiver.jwks-url", "https://idp.example.com/jwks.json");
    config.put("signals.receiver.audience", "urn:tokenwatch:receiver");
    config.put("signals.receiver.poll-url", "https://idp.example.com/ssf/poll");
    config.put("signals.receiver.poll.authorization", "Bearer very-secret");

    SharedSignalsConfig parsed = SharedSignalsConfig.of(config);
    ReceiverSettings.Receiver receiver = ReceiverSettings.of(parsed.values()).orElseThrow();

    assertThat(receiver.poll().orElseThrow().authorization()).contains("Bearer very-secret");
    assertThat(receiver.toString()).doesNotContain("very-secret");
    assertThat(parsed.toString()).doesNotContain("very-secret");
  }
}
