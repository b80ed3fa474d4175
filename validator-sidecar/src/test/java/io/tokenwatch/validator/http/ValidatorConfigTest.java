package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.validator.route.RouteTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
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
  void shouldReportStatusEveryFiveSecondsByDefaultAndNotAtAllAtZero() {
    assertThat(ValidatorConfig.of(minimal()).statusInterval()).contains(Duration.ofSeconds(5));
    assertThat(ValidatorConfig.of(minimal()).statusTopic())
        .isEqualTo("tokenwatch.validator-status");

    Map<String, Object> off = minimal();
    off.put(ValidatorConfig.STATUS_INTERVAL, "0s");
    assertThat(ValidatorConfig.of(off).statusInterval()).isEmpty();

    Map<String, Object> tooOften = minimal();
    tooOften.put(ValidatorConfig.STATUS_INTERVAL, "10ms");
    assertThatThrownBy(() -> ValidatorConfig.of(tooOften))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ValidatorConfig.STATUS_INTERVAL)
        .hasMessageContaining("0s (off) or at least 100ms");
  }

  @Test
  void shouldParseRoutesAndDurations() {
    Map<String, Object> raw = minimal();
    raw.put(
        ValidatorConfig.HTTP_ROUTES,
        "GET /orders/** -> orders:read orders:list, POST|DELETE /admin/** -> admin");
    raw.put(ValidatorConfig.CLOCK_SKEW, "500ms");
    raw.put(ValidatorConfig.MAX_STALENESS, "PT1M");
    ValidatorConfig config = ValidatorConfig.of(raw);
    assertThat(config.sidecarSettings().routes().routes())
        .containsExactly(
            "GET /orders/** -> orders:read orders:list", "POST|DELETE /admin/** -> admin");
    assertThat(config.routes().decide(Set.of("DELETE"), "/admin/x"))
        .isEqualTo(
            new RouteTable.Required(Set.of("admin"), List.of("POST|DELETE /admin/** -> admin")));
    assertThat(config.clockSkew()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.maxStaleness()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void shouldBindLoopbackTrustLoopbackProxiesAndRefuseUnmatchedPathsByDefault() {
    ValidatorSidecar.Settings settings = ValidatorConfig.of(minimal()).sidecarSettings();
    assertThat(settings.host()).isEqualTo("127.0.0.1");
    assertThat(settings.trustedProxies().trusts("127.0.0.1")).isTrue();
    assertThat(settings.trustedProxies().trusts("::1")).isTrue();
    assertThat(settings.trustedProxies().trusts("10.0.0.1")).isFalse();
    assertThat(settings.routes().decide(Set.of("GET"), "/anything"))
        .isInstanceOf(RouteTable.Refused.class);
  }

  @Test
  void shouldLetUnmatchedPathsThroughOnlyWhenToldHow() {
    Map<String, Object> withDefault = minimal();
    withDefault.put(ValidatorConfig.HTTP_DEFAULT_SCOPES, "api:basic api:more");
    assertThat(ValidatorConfig.of(withDefault).routes().decide(Set.of("GET"), "/x"))
        .isEqualTo(
            new RouteTable.Required(
                Set.of("api:basic", "api:more"), List.of(RouteTable.UNMATCHED)));

    Map<String, Object> allowed = minimal();
    allowed.put(ValidatorConfig.HTTP_ALLOW_UNMATCHED, "true");
    assertThat(ValidatorConfig.of(allowed).routes().decide(Set.of("GET"), "/x"))
        .isEqualTo(new RouteTable.Required(Set.of(), List.of(RouteTable.UNMATCHED)));

    Map<String, Object> both = new HashMap<>(withDefault);
    both.put(ValidatorConfig.HTTP_ALLOW_UNMATCHED, "true");
    assertThatThrownBy(() -> ValidatorConfig.of(both))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ValidatorConfig.HTTP_DEFAULT_SCOPES)
        .hasMessageContaining(ValidatorConfig.HTTP_ALLOW_UNMATCHED);
  }

  @Test
  void shouldRefuseTheReplacedScopesKeyMalformedRoutesAndProxyNames() {
    Map<String, Object> raw = minimal();
    raw.put("validator.http.scopes", "/orders=orders:read");
    raw.put(ValidatorConfig.HTTP_ROUTES, "GET orders -> x");
    raw.put(ValidatorConfig.HTTP_TRUSTED_PROXIES, "nginx,10.0.0.0/8");
    assertThatThrownBy(() -> ValidatorConfig.of(raw))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("validator.http.scopes was replaced by validator.http.routes")
        .hasMessageContaining("must start with '/'")
        .hasMessageContaining("'nginx' is not an IP address");
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

  @Test
  void shouldCheckTheRegistryCredentialWithEveryOtherProblemWithoutShowingIt() {
    Map<String, Object> raw = minimal();
    raw.put("basic.auth.credentials.source", "USER_INFO");
    raw.put("basic.auth.user.info", "no-colon-secret");
    raw.put(ValidatorConfig.JWKS_URL, "file:/etc/jwks.json");
    raw.put(ValidatorConfig.FALLBACK_TIMEOUT, "10ms");

    assertThatThrownBy(() -> ValidatorConfig.of(raw))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("3 problem(s)")
        .hasMessageContaining("basic.auth.user.info")
        .hasMessageContaining(ValidatorConfig.JWKS_URL)
        .hasMessageContaining("at least 100ms")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("no-colon-secret"));
  }
}
