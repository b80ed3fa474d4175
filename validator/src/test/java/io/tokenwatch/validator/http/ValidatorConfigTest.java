package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ValidatorConfigTest {

  private static Map<String, Object> minimal() {
    Map<String, Object> config = new HashMap<>();
    config.put(ValidatorConfig.ISSUER, "https://issuer.example");
    config.put(ValidatorConfig.AUDIENCE, "https://api.example");
    config.put(ValidatorConfig.JWKS_URL, "https://issuer.example/.well-known/jwks.json");
    config.put(ValidatorConfig.BOOTSTRAP_SERVERS, "localhost:9092");
    config.put(ValidatorConfig.SCHEMA_REGISTRY_URL, "http://localhost:8081");
    return config;
  }

  @Test
  void shouldApplyDefaultsAndPassClientKeysThrough() {
    Map<String, Object> raw = minimal();
    raw.put("security.protocol", "SSL");
    ValidatorConfig config = ValidatorConfig.of(raw);
    assertThat(config.clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.maxStaleness()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.revocationTopic()).isEqualTo("tokenwatch.revocations");
    assertThat(config.clientConfig())
        .containsEntry("security.protocol", "SSL")
        .containsEntry("bootstrap.servers", "localhost:9092")
        .doesNotContainKey(ValidatorConfig.ISSUER);
  }

  @Test
  void shouldParseScopesPerPathPrefixAndDurations() {
    Map<String, Object> raw = minimal();
    raw.put(ValidatorConfig.HTTP_SCOPES, "/orders=orders:read orders:list,/admin=admin");
    raw.put(ValidatorConfig.CLOCK_SKEW, "500ms");
    raw.put(ValidatorConfig.MAX_STALENESS, "PT1M");
    ValidatorConfig config = ValidatorConfig.of(raw);
    assertThat(config.sidecarSettings().scopesByPathPrefix())
        .containsEntry("/orders", Set.of("orders:read", "orders:list"))
        .containsEntry("/admin", Set.of("admin"));
    assertThat(config.clockSkew()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.maxStaleness()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void shouldReportEveryProblemAtOnce() {
    Map<String, Object> raw = new HashMap<>();
    raw.put(ValidatorConfig.ALGORITHMS, "HS256");
    raw.put(ValidatorConfig.CLOCK_SKEW, "soon");
    raw.put("validator.typo", "x");
    assertThatThrownBy(() -> ValidatorConfig.of(raw))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ValidatorConfig.ISSUER)
        .hasMessageContaining(ValidatorConfig.AUDIENCE)
        .hasMessageContaining(ValidatorConfig.JWKS_URL)
        .hasMessageContaining("HS256")
        .hasMessageContaining(ValidatorConfig.CLOCK_SKEW)
        .hasMessageContaining("validator.typo");
  }

  @Test
  void shouldKeepTheReadmeTableInStepWithTheDeclaration() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    assertThat(readme).contains(ValidatorConfig.markdownTable());
  }
}
