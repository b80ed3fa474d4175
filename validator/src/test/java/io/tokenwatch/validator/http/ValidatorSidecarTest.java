package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TestTokens;
import io.tokenwatch.validator.TokenValidator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ValidatorSidecarTest {

  private final TestTokens tokens = new TestTokens();
  private final RevocationIndex index = new RevocationIndex();
  private final HttpClient http = HttpClient.newHttpClient();
  private ValidatorSidecar sidecar;

  @BeforeEach
  void setUp() {
    index.markCaughtUp(Long.MAX_VALUE / 2);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TokenValidator validator =
        TokenValidator.builder()
            .issuer(TestTokens.ISSUER)
            .audience(TestTokens.AUDIENCE)
            .jwks(JwksSource.fixed(tokens.publicKeys()))
            .revocations(index)
            .build();
    validator.bindTo(metrics);
    sidecar =
        new ValidatorSidecar(
            validator,
            new ValidatorSidecar.Settings(
                "localhost",
                0,
                Map.of("/orders", Set.of("read"), "/orders/admin", Set.of("admin")),
                "X-Client-Cert-Thumbprint",
                null),
            () -> index.freshness().ready(),
            metrics);
  }

  @AfterEach
  void tearDown() {
    sidecar.close();
  }

  private HttpResponse<String> auth(String authorization, String uri) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + sidecar.port() + "/auth"))
            .header("X-Original-Method", "GET")
            .header("X-Original-URI", uri)
            .header("X-Forwarded-Host", "api.example")
            .header("X-Forwarded-Proto", "https")
            .GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldAnswer200WithIdentityHeadersForAValidToken() throws Exception {
    var claims = TestTokens.claims(Instant.now()).build();
    HttpResponse<String> response = auth("Bearer " + tokens.sign(claims), "/orders/42?x=1");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Auth-Subject")).hasValue("alice");
    assertThat(response.headers().firstValue("X-Auth-Client-Id")).hasValue("app-1");
    assertThat(response.headers().firstValue("X-Auth-Scope")).hasValue("read write");
    assertThat(response.headers().firstValue("X-Auth-Token-Id")).hasValue(claims.getJWTID());
  }

  @Test
  void shouldAnswer401WithoutErrorCodeWhenNoTokenIsPresented() throws Exception {
    HttpResponse<String> response = auth(null, "/orders/42");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"tokenwatch\"");
  }

  @Test
  void shouldAnswer401InvalidTokenForARevokedToken() throws Exception {
    var claims = TestTokens.claims(Instant.now()).build();
    index.put("token:" + claims.getJWTID(), null);
    HttpResponse<String> response = auth("Bearer " + tokens.sign(claims), "/orders/42");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer error=\"invalid_token\"")
        .contains("error_description=\"revoked\"");
  }

  @Test
  void shouldAnswer403InsufficientScopeByLongestPathPrefix() throws Exception {
    HttpResponse<String> response =
        auth("Bearer " + tokens.sign(TestTokens.claims(Instant.now()).build()), "/orders/admin/1");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("error=\"insufficient_scope\"")
        .contains("scope=\"admin\"");
  }

  @Test
  void shouldCheckDpopProofAgainstTheOriginalRequest() throws Exception {
    String token =
        tokens.sign(TestTokens.claims(Instant.now()).claim("cnf", tokens.dpopCnf()).build());
    String proof = tokens.proof("GET", "https://api.example/orders/42", token, Instant.now());
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + sidecar.port() + "/auth"))
            .header("Authorization", "DPoP " + token)
            .header("DPoP", proof)
            .header("X-Forwarded-Method", "GET")
            .header("X-Forwarded-Uri", "/orders/42")
            .header("X-Forwarded-Host", "api.example")
            .header("X-Forwarded-Proto", "https")
            .build();
    assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    // The same proof again is a replay.
    HttpResponse<String> replay = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(replay.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("DPoP error=\"invalid_token\"");
  }

  @Test
  void shouldReportReadinessHealthAndMetrics() throws Exception {
    String base = "http://localhost:" + sidecar.port();
    auth("Bearer nonsense", "/orders/1");
    assertThat(get(base + "/health").statusCode()).isEqualTo(200);
    assertThat(get(base + "/ready").statusCode()).isEqualTo(200);
    assertThat(get(base + "/metrics").body())
        .contains("tokenwatch_validation_total{reason=\"malformed\",result=\"denied\"} 1.0");
    index.markNotReady();
    assertThat(get(base + "/ready").statusCode()).isEqualTo(503);
    HttpResponse<String> stale =
        auth("Bearer " + tokens.sign(TestTokens.claims(Instant.now()).build()), "/orders/42");
    assertThat(stale.statusCode()).isEqualTo(503);
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
