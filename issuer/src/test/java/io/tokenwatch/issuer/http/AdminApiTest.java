package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ISSUER;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.issuer.AdminAuthenticator;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.issuer.token.TokenService;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admin API authentication: admin access tokens checked by the validator library, or clients. */
class AdminApiTest {

  private static final String REVOKE_ALICE = "{\"kind\":\"subject\",\"value\":\"alice\"}";

  @TempDir Path dir;
  TestIssuer issuer;

  @BeforeEach
  void start() {
    issuer = new TestIssuer(dir);
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  private String token(String clientId, String secret, String audience, String scope) {
    return token(
        form("grant_type", "client_credentials", "audience", audience, "scope", scope),
        basic(clientId, secret));
  }

  private String token(Map<String, String> params, Map<String, String> headers) {
    HttpResponse<String> response = issuer.postForm("/oauth2/token", params, headers);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.field(response.body(), "access_token");
  }

  private String adminToken() {
    return token(CONSOLE, CONSOLE_SECRET, ISSUER, "tokenwatch:admin");
  }

  private HttpResponse<String> revokeAlice(Map<String, String> headers) {
    return issuer.post("/admin/revocations", "application/json", REVOKE_ALICE, headers);
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private static String challenge(HttpResponse<String> response) {
    return response.headers().firstValue("WWW-Authenticate").orElse("");
  }

  private static String jti(String token) throws Exception {
    return SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
  }

  @Test
  void shouldAcceptAnAdminTokenAndRecordTheAdminsIdentity() throws Exception {
    String token = adminToken();

    HttpResponse<String> response = revokeAlice(bearer(token));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(Json.field(response.body(), "selector")).isEqualTo("subject:alice");
    assertThat(issuer.recorded().requests).hasSize(1);
    assertThat(issuer.recorded().requests.get(0).getRequestedBy())
        .isEqualTo("admin:security-console");
    assertThat(issuer.meters.scrape())
        .contains("tokenwatch_issuer_admin_authentications_total{method=\"token\"");
  }

  @Test
  void shouldReportEachAdminTokenUseAllowedAndDeniedNamingTheAdminScopeRule() {
    String admin = adminToken();
    String other = issuer.ordersServiceToken("orders:read");

    assertThat(revokeAlice(bearer(admin)).statusCode()).isEqualTo(202);
    assertThat(revokeAlice(bearer(other)).statusCode()).isEqualTo(401);

    await().atMost(Duration.ofSeconds(10)).until(() -> issuer.usageSent.history().size() == 2);
    List<TokenUsed> uses =
        issuer.usageSent.history().stream().map(record -> record.value()).toList();
    assertThat(uses)
        .allSatisfy(
            use -> {
              assertThat(use.getRouteRule()).isEqualTo(AdminAuthenticator.RULE);
              assertThat(use.getRouteTableVersion()).isEqualTo(issuer.policy.current().version());
              assertThat(use.getRequiredScopes()).containsExactly("tokenwatch:admin");
              assertThat(use.getResource()).isEqualTo("POST /admin/revocations");
            });
    // the token for another audience is not trusted, so its report names no token fields
    assertThat(uses)
        .extracting(TokenUsed::getDecision, TokenUsed::getTokenClientId)
        .containsExactly(tuple(UseDecision.ALLOWED, CONSOLE), tuple(UseDecision.DENIED, null));
  }

  @Test
  void shouldStillAcceptAdminClientCredentials() {
    HttpResponse<String> response = revokeAlice(basic(CONSOLE, CONSOLE_SECRET));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(issuer.recorded().requests.get(0).getRequestedBy())
        .isEqualTo("admin:security-console");
  }

  @Test
  void shouldChallengeARequestWithoutCredentials() {
    HttpResponse<String> response = revokeAlice(Map.of());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(challenge(response))
        .startsWith("Bearer realm=\"tokenwatch\"")
        .contains("scope=\"tokenwatch:admin\"")
        .doesNotContain("error=");
    assertThat(Json.field(response.body(), "error_description")).contains("tokenwatch:admin");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRefuseAMalformedToken() {
    HttpResponse<String> response = revokeAlice(bearer("not-a-jwt"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(challenge(response)).contains("error=\"invalid_token\"");
    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_token");
    assertThat(Json.field(response.body(), "error_description")).startsWith("malformed");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRefuseAnExpiredAdminToken() {
    String token = adminToken();
    // Past the default five minutes and the validator's 30 s clock skew.
    issuer.clock.advance(Duration.ofMinutes(6));

    HttpResponse<String> response = revokeAlice(bearer(token));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(Json.field(response.body(), "error_description")).startsWith("expired");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRefuseATokenForAnotherAudience() {
    String token = issuer.ordersServiceToken("orders:read");

    HttpResponse<String> response = revokeAlice(bearer(token));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(challenge(response)).contains("error=\"invalid_token\"");
    assertThat(Json.field(response.body(), "error_description")).startsWith("wrong_audience");
  }

  @Test
  void shouldRefuseATokenWithoutTheAdminScope() throws Exception {
    // Give orders-service a rule for the issuer's own audience, without the admin scope.
    String policy = Files.readString(issuer.policyFile);
    Files.writeString(
        issuer.policyFile,
        policy.replace(
            "    audiences:\n      https://orders.example.com:\n        scopes: [orders:read,"
                + " orders:write]",
            "    audiences:\n      "
                + ISSUER
                + ":\n        scopes: [orders:read]\n        default_ttl: PT5M\n"
                + "        max_ttl: PT5M\n"
                + "      https://orders.example.com:\n        scopes: [orders:read,"
                + " orders:write]"));
    assertThat(issuer.policy.reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
    String token = token(ORDERS_SERVICE, ORDERS_SECRET, ISSUER, "orders:read");

    HttpResponse<String> response = revokeAlice(bearer(token));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(challenge(response))
        .contains("error=\"insufficient_scope\"")
        .contains("scope=\"tokenwatch:admin\"");
    assertThat(Json.field(response.body(), "error")).isEqualTo("insufficient_scope");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRefuseARevokedAdminToken() throws Exception {
    String token = adminToken();
    issuer.revocations.revoke("token:" + jti(token));

    HttpResponse<String> response = revokeAlice(bearer(token));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(Json.field(response.body(), "error_description"))
        .startsWith("revoked")
        .contains("token:" + jti(token));
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRefuseAdminTokensWhenTheRevocationFeedIsStale() {
    String token = adminToken();
    issuer.revocations.fresh(false);

    HttpResponse<String> response = revokeAlice(bearer(token));

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(Json.field(response.body(), "error")).isEqualTo("temporarily_unavailable");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldAcceptADpopBoundAdminTokenOnlyWithItsProof() {
    Dpop key = new Dpop();
    Map<String, String> headers = new HashMap<>(basic(CONSOLE, CONSOLE_SECRET));
    headers.put("DPoP", key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant()));
    String token =
        token(
            form(
                "grant_type",
                "client_credentials",
                "audience",
                ISSUER,
                "scope",
                "tokenwatch:admin"),
            headers);

    HttpResponse<String> asBearer = revokeAlice(bearer(token));
    HttpResponse<String> withProof =
        revokeAlice(
            Map.of(
                "Authorization",
                "DPoP " + token,
                "DPoP",
                key.proofFor("POST", TestIssuer.adminEndpoint(), issuer.clock.instant(), token)));

    assertThat(asBearer.statusCode()).isEqualTo(401);
    assertThat(Json.field(asBearer.body(), "error_description")).startsWith("missing_proof");
    assertThat(withProof.statusCode()).as(withProof.body()).isEqualTo(202);
    assertThat(issuer.recorded().requests).hasSize(1);
  }

  @Test
  @SuppressWarnings("StringConcatToTextBlock") // the policy text's exact indentation matters
  void shouldRefuseTokensOfAClientNoLongerAnAdmin() throws Exception {
    String token = adminToken();
    String policy = Files.readString(issuer.policyFile);
    Files.writeString(
        issuer.policyFile,
        policy
            .replace("admins: [security-console]", "admins: []")
            .replace(
                "      ${issuer.url}:\n        scopes: [tokenwatch:admin]\n"
                    + "        default_ttl: PT5M\n        max_ttl: PT10M\n",
                ""));
    assertThat(issuer.policy.reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);

    HttpResponse<String> response = revokeAlice(bearer(token));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(Json.field(response.body(), "error_description")).contains("no longer an admin");
  }

  @Test
  void shouldRefuseToExchangeARevokedSubjectToken() throws Exception {
    String subject = issuer.ordersServiceToken("orders:read");
    issuer.revocations.revoke("subject:" + ORDERS_SERVICE);

    HttpResponse<String> response = exchange(subject);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_grant");
    assertThat(Json.field(response.body(), "error_description"))
        .contains("subject:" + ORDERS_SERVICE);
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.INVALID_SUBJECT_TOKEN);
    assertThat(issuer.recorded().lastDenied().getParentTokenId()).isEqualTo(jti(subject));
  }

  @Test
  void shouldRefuseToExchangeASubjectTokenWhoseGrantIsRevoked() throws Exception {
    String subject = issuer.ordersServiceToken("orders:read");
    String grant = SignedJWT.parse(subject).getJWTClaimsSet().getStringClaim("grant_id");
    issuer.revocations.revoke("grant:" + grant);

    HttpResponse<String> response = exchange(subject);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.INVALID_SUBJECT_TOKEN);
  }

  @Test
  void shouldNotExchangeWhileTheRevocationFeedIsStale() {
    String subject = issuer.ordersServiceToken("orders:read");
    issuer.revocations.fresh(false);

    HttpResponse<String> response = exchange(subject);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(Json.field(response.body(), "error")).isEqualTo("temporarily_unavailable");
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.INVALID_SUBJECT_TOKEN);
  }

  private HttpResponse<String> exchange(String subjectToken) {
    Dpop key = new Dpop();
    Map<String, String> headers = new HashMap<>(basic("reporting-agent", TestIssuer.AGENT_SECRET));
    headers.put("DPoP", key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant()));
    return issuer.postForm(
        "/oauth2/token",
        form(
            "grant_type",
            TokenService.TOKEN_EXCHANGE,
            "subject_token",
            subjectToken,
            "subject_token_type",
            TokenService.ACCESS_TOKEN_TYPE,
            "scope",
            "orders:read"),
        headers);
  }
}
