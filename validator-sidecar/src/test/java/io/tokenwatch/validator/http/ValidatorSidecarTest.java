package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TestTokens;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.route.RouteTable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ValidatorSidecarTest {

  private static final String ROUTES =
      "GET /orders/export -> orders:export, GET|POST /orders/** -> read,"
          + " GET /orders/admin/** -> admin";

  private final TestTokens tokens = new TestTokens();
  private final RevocationIndex index = new RevocationIndex();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<TokenRequest> seen = new CopyOnWriteArrayList<>();
  private TokenValidator validator;
  private PrometheusMeterRegistry metrics;
  private ValidatorSidecar sidecar;

  @BeforeEach
  void setUp() {
    index.markCaughtUp(Long.MAX_VALUE / 2);
    metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    validator =
        TokenValidator.builder()
            .issuer(TestTokens.ISSUER)
            .audience(TestTokens.AUDIENCE)
            .jwks(JwksSource.fixed(tokens.publicKeys()))
            .revocations(index)
            .listener((request, decision, at) -> seen.add(request))
            .build();
    validator.bindTo(metrics);
    sidecar = start(RouteTable.parse(ROUTES), TrustedProxies.parse(List.of("127.0.0.1", "::1")));
  }

  private ValidatorSidecar start(RouteTable routes, TrustedProxies proxies) {
    return new ValidatorSidecar(
        validator,
        new ValidatorSidecar.Settings(
            "localhost", 0, routes, proxies, "X-Client-Cert-Thumbprint", null),
        () -> index.freshness().ready(),
        metrics);
  }

  @AfterEach
  void tearDown() {
    sidecar.close();
  }

  private HttpResponse<String> auth(String authorization, String uri) throws Exception {
    return send(sidecar, authorization, Map.of("X-Original-Method", "GET", "X-Original-URI", uri));
  }

  private HttpResponse<String> send(
      ValidatorSidecar target, String authorization, Map<String, String> headers) throws Exception {
    Map<String, String> all =
        new HashMap<>(Map.of("X-Forwarded-Host", "api.example", "X-Forwarded-Proto", "https"));
    all.putAll(headers);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + target.port() + "/auth")).GET();
    all.forEach(request::header);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String bearer() {
    return "Bearer " + tokens.sign(TestTokens.claims(Instant.now()).build());
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
  void shouldAnswer403InsufficientScopeNamingTheScopesOfEveryMatchingRoute() throws Exception {
    HttpResponse<String> response = auth(bearer(), "/orders/admin/1");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("error=\"insufficient_scope\"")
        .contains("scope=\"admin read\"");
  }

  /**
   * The issue's repros, with a token that has {@code read} but not {@code orders:export}: each was
   * allowed (or needed no scope at all) before.
   */
  @Test
  void shouldNeverAllowTheExportPathUnderAnotherSpelling() throws Exception {
    for (String target :
        new String[] {
          "/orders/export", "/orders/%65xport", "/orders/x/%2e%2e/export", "/Orders/export"
        }) {
      HttpResponse<String> response = auth(bearer(), target);
      assertThat(response.statusCode()).as(target).isEqualTo(403);
      assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
          .as(target)
          .contains("orders:export");
    }
    for (String target : new String[] {"/orders/export;a=b", "/orders%2Fexport"}) {
      HttpResponse<String> response = auth(bearer(), target);
      assertThat(response.statusCode()).as(target).isEqualTo(400);
      assertProblem(response, "Ambiguous request target");
    }
    HttpResponse<String> unrouted = auth(bearer(), "/%6frders/export");
    assertThat(unrouted.statusCode()).isEqualTo(403);
    assertProblem(unrouted, "No route");
  }

  @Test
  void shouldRefuseARequestNoRouteMatchesWithAProblemBody() throws Exception {
    HttpResponse<String> response = auth(bearer(), "/invoices/7");
    assertThat(response.statusCode()).isEqualTo(403);
    assertProblem(response, "No route");
    assertThat(response.body()).contains("GET /invoices/7 matches no route");
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
  }

  @Test
  void shouldJudgeTheMethodAndAnyMethodOverride() throws Exception {
    String token = bearer();
    HttpResponse<String> post =
        send(sidecar, token, Map.of("X-Forwarded-Method", "POST", "X-Forwarded-Uri", "/orders"));
    assertThat(post.statusCode()).isEqualTo(200);
    HttpResponse<String> delete =
        send(
            sidecar, token, Map.of("X-Forwarded-Method", "DELETE", "X-Forwarded-Uri", "/orders/1"));
    assertThat(delete.statusCode()).isEqualTo(403);
    assertProblem(delete, "No route");
    HttpResponse<String> overridden =
        send(
            sidecar,
            token,
            Map.of(
                "X-Forwarded-Method",
                "POST",
                "X-Forwarded-Uri",
                "/orders/1",
                "X-HTTP-Method-Override",
                "DELETE"));
    assertThat(overridden.statusCode()).isEqualTo(403);
    assertProblem(overridden, "No route");
    HttpResponse<String> blankOverride =
        send(
            sidecar,
            token,
            Map.of(
                "X-Forwarded-Method",
                "POST",
                "X-Forwarded-Uri",
                "/orders",
                "X-Method-Override",
                " "));
    assertThat(blankOverride.statusCode()).isEqualTo(200);
    HttpResponse<String> garbage =
        send(sidecar, token, Map.of("X-Forwarded-Method", "G3T!", "X-Forwarded-Uri", "/orders/1"));
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertProblem(garbage, "Unknown method");
  }

  @Test
  void shouldRefuseMalformedForwardedHostOrScheme() throws Exception {
    HttpResponse<String> host =
        send(
            sidecar,
            bearer(),
            Map.of("X-Forwarded-Uri", "/orders/1", "X-Forwarded-Host", "evil.example/path"));
    assertThat(host.statusCode()).isEqualTo(400);
    assertProblem(host, "Malformed forwarding header");
    HttpResponse<String> scheme =
        send(
            sidecar,
            bearer(),
            Map.of("X-Forwarded-Uri", "/orders/1", "X-Forwarded-Proto", "javascript"));
    assertThat(scheme.statusCode()).isEqualTo(400);
  }

  @Test
  void shouldJudgeAnUntrustedPeerOnWhatTheSidecarSeesItself() throws Exception {
    String token =
        tokens.sign(
            TestTokens.claims(Instant.now())
                .claim("cnf", Map.of("x5t#S256", "cert-thumbprint"))
                .build());
    try (ValidatorSidecar untrusting =
        start(RouteTable.parse(ROUTES + ", GET /auth -> read"), TrustedProxies.none())) {
      // The forwarded target, host, client and certificate are all ignored: it is GET /auth.
      HttpResponse<String> response =
          send(
              untrusting,
              "Bearer " + token,
              Map.of(
                  "X-Forwarded-Method", "POST",
                  "X-Forwarded-Uri", "/invoices",
                  "X-Forwarded-For", "203.0.113.9",
                  "X-Client-Cert-Thumbprint", "cert-thumbprint"));
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
          .contains("missing proof");
      TokenRequest judged = seen.get(seen.size() - 1);
      assertThat(judged.method()).isEqualTo("GET");
      assertThat(judged.uri()).isEqualTo("http://localhost:" + untrusting.port() + "/auth");
      assertThat(judged.sourceAddress()).isNotEqualTo("203.0.113.9");
      assertThat(judged.clientCertificateThumbprint()).isNull();
    }
    try (ValidatorSidecar untrusting = start(RouteTable.parse(ROUTES), TrustedProxies.none())) {
      HttpResponse<String> response =
          send(untrusting, bearer(), Map.of("X-Forwarded-Uri", "/orders/1"));
      assertThat(response.statusCode()).isEqualTo(403);
      assertProblem(response, "No route");
    }
  }

  @Test
  void shouldNameEveryRouteThatDecidedAndTheRouteTableVersion() throws Exception {
    HttpResponse<String> response = auth(bearer(), "/orders/export");
    assertThat(response.statusCode()).isEqualTo(403);

    TokenRequest judged = seen.get(seen.size() - 1);
    assertThat(judged.rule())
        .isEqualTo("GET /orders/export -> orders:export, GET|POST /orders/** -> read");
    assertThat(judged.ruleVersion())
        .isEqualTo(RouteTable.parse(ROUTES).version())
        .startsWith("routes-");
  }

  @Test
  void shouldBelieveATrustedProxyAboutClientAndCertificate() throws Exception {
    String token =
        tokens.sign(
            TestTokens.claims(Instant.now())
                .claim("cnf", Map.of("x5t#S256", "cert-thumbprint"))
                .build());
    HttpResponse<String> response =
        send(
            sidecar,
            "Bearer " + token,
            Map.of(
                "X-Forwarded-Uri", "/orders/1",
                "X-Forwarded-For", "6.6.6.6, 203.0.113.9",
                "X-Client-Cert-Thumbprint", "cert-thumbprint"));
    assertThat(response.statusCode()).isEqualTo(200);
    TokenRequest judged = seen.get(seen.size() - 1);
    assertThat(judged.sourceAddress()).isEqualTo("203.0.113.9");
    assertThat(judged.uri()).isEqualTo("https://api.example/orders/1");
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

  /** Finding 6: this proof was allowed (200) before the issuer's and the validator's checks met. */
  @Test
  void shouldDenyADpopProofWithABlankJti() throws Exception {
    String token =
        tokens.sign(TestTokens.claims(Instant.now()).claim("cnf", tokens.dpopCnf()).build());
    String proof =
        TestTokens.proof(
            tokens.dpopKey,
            TestTokens.proofClaims("GET", "https://api.example/orders/42", token, Instant.now())
                .jwtID(" ")
                .build());
    HttpResponse<String> response =
        send(
            sidecar,
            "DPoP " + token,
            Map.of("DPoP", proof, "X-Forwarded-Method", "GET", "X-Forwarded-Uri", "/orders/42"));
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("invalid proof");
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
    HttpResponse<String> stale = auth(bearer(), "/orders/42");
    assertThat(stale.statusCode()).isEqualTo(503);
  }

  private static void assertProblem(HttpResponse<String> response, String title) {
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/problem+json");
    assertThat(response.body())
        .contains("\"title\":\"" + title + "\"")
        .contains("\"status\":" + response.statusCode())
        .contains("\"detail\":");
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
