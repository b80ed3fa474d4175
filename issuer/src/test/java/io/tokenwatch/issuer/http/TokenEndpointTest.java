package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.PAYMENTS;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenEndpointTest {

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

  private HttpResponse<String> token(Map<String, String> params, Map<String, String> headers) {
    return issuer.postForm("/oauth2/token", params, headers);
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(Json.field(response.body(), "error")).isEqualTo(error);
    assertThat(Json.field(response.body(), "error_description")).isNotBlank();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  private IssuanceDenied lastDenied() {
    return issuer.recorded().lastDenied();
  }

  @Test
  void shouldIssueAClientCredentialsTokenWithEveryClaimAndRecordIt() throws Exception {
    HttpResponse<String> response =
        token(
            form(
                "grant_type",
                "client_credentials",
                "audience",
                ORDERS,
                "scope",
                "orders:read",
                "expires_in",
                "60"),
            basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(Json.field(response.body(), "token_type")).isEqualTo("Bearer");
    assertThat(Json.field(response.body(), "expires_in")).isEqualTo("60");
    SignedJWT jwt = SignedJWT.parse(Json.field(response.body(), "access_token"));
    assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");
    JWKSet jwks = JWKSet.parse(issuer.get("/.well-known/jwks.json").body());
    assertThat(
            jwt.verify(
                new Ed25519Verifier(
                    jwks.getKeyByKeyId(jwt.getHeader().getKeyID()).toOctetKeyPair())))
        .isTrue();
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo(TestIssuer.ISSUER);
    assertThat(claims.getSubject()).isEqualTo(ORDERS_SERVICE);
    assertThat(claims.getAudience()).containsExactly(ORDERS);
    assertThat(claims.getStringClaim("client_id")).isEqualTo(ORDERS_SERVICE);
    assertThat(claims.getStringClaim("scope")).isEqualTo("orders:read");
    assertThat(claims.getStringClaim("policy_id")).isEqualTo("tokenwatch-sample");
    assertThat(claims.getStringClaim("policy_version"))
        .isEqualTo(issuer.policy.current().version());
    assertThat(claims.getStringClaim("grant_id")).isNotBlank();
    assertThat(
            Duration.between(
                claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
        .isEqualTo(Duration.ofSeconds(60));

    TokenIssued event = issuer.recorded().issued.get(0);
    assertThat(event.getTokenId()).isEqualTo(claims.getJWTID());
    assertThat(event.getGrantType()).isEqualTo(GrantType.CLIENT_CREDENTIALS);
    assertThat(event.getRuleId()).isEqualTo(ORDERS_SERVICE + "/" + ORDERS);
    assertThat(event.getSigningKeyId()).isEqualTo(jwt.getHeader().getKeyID());
    assertThat(event.getChannelBinding().getType()).isEqualTo(BindingType.NONE);
    assertThat(event.getExpiresAt()).isEqualTo(claims.getExpirationTime().toInstant());
  }

  @Test
  void shouldAcceptTheSecretInTheFormBody() {
    HttpResponse<String> response =
        token(
            form(
                "grant_type",
                "client_credentials",
                "audience",
                ORDERS,
                "scope",
                "orders:read",
                "client_id",
                ORDERS_SERVICE,
                "client_secret",
                ORDERS_SECRET),
            Map.of());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void shouldRefuseAnUnknownClient() {
    HttpResponse<String> response =
        token(
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            basic("nobody", "whatever"));

    assertError(response, 401, "invalid_client");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.UNKNOWN_CLIENT);
    assertThat(lastDenied().getClientId()).isEqualTo("nobody");
  }

  @Test
  void shouldRefuseABadSecretWithABasicChallenge() {
    HttpResponse<String> response =
        token(
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            basic(ORDERS_SERVICE, "wrong"));

    assertError(response, 401, "invalid_client");
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .get()
        .asString()
        .startsWith("Basic");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.INVALID_CLIENT_CREDENTIALS);
    assertThat(lastDenied().getDetail()).doesNotContain("wrong");
  }

  @Test
  void shouldRefuseTheWholeRequestWhenOneScopeIsNotApproved() {
    HttpResponse<String> response =
        token(
            form(
                "grant_type",
                "client_credentials",
                "audience",
                ORDERS,
                "scope",
                "orders:read orders:export"),
            basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertError(response, 400, "invalid_scope");
    IssuanceDenied denied = lastDenied();
    assertThat(denied.getReason()).isEqualTo(IssuanceDenyReason.SCOPE_NOT_APPROVED);
    assertThat(denied.getRequestedScopes()).containsExactly("orders:read", "orders:export");
    assertThat(denied.getAllowedScopes()).containsExactly("orders:read", "orders:write");
    assertThat(denied.getRuleId()).isEqualTo(ORDERS_SERVICE + "/" + ORDERS);
    assertThat(issuer.recorded().issued).isEmpty();
  }

  @Test
  void shouldRefuseAnAudienceThePolicyDoesNotAllow() {
    HttpResponse<String> response =
        token(
            form(
                "grant_type",
                "client_credentials",
                "audience",
                PAYMENTS,
                "scope",
                "payments:refund"),
            basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertError(response, 400, "invalid_target");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.AUDIENCE_NOT_ALLOWED);
    // the client's entry decided, so the denial names it
    assertThat(lastDenied().getRuleId()).isEqualTo(ORDERS_SERVICE);
    assertThat(lastDenied().getAudience()).isEqualTo(PAYMENTS);
  }

  @Test
  void shouldRefuseALifetimeAbovePolicy() {
    HttpResponse<String> response =
        token(
            form(
                "grant_type",
                "client_credentials",
                "audience",
                ORDERS,
                "scope",
                "orders:read",
                "expires_in",
                "3600"),
            basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertError(response, 400, "invalid_request");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.TTL_ABOVE_POLICY);
    assertThat(lastDenied().getRequestedTtlSeconds()).isEqualTo(3600L);
  }

  @Test
  void shouldRefuseMoreUsesThanPolicy() {
    Dpop key = new Dpop();
    HttpResponse<String> response =
        token(
            form(
                "grant_type",
                "client_credentials",
                "audience",
                ORDERS,
                "scope",
                "orders:read",
                "max_uses",
                "51"),
            dpopHeaders(key, basic(AGENT, AGENT_SECRET)));

    assertError(response, 400, "invalid_request");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.MAX_USES_ABOVE_POLICY);
  }

  @Test
  void shouldRefuseWhenPolicyRequiresABindingTheRequestLacks() {
    HttpResponse<String> response =
        token(
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            basic(AGENT, AGENT_SECRET));

    assertError(response, 400, "invalid_dpop_proof");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.BINDING_REQUIRED);
  }

  @Test
  void shouldBindTheTokenToTheDpopKey() throws Exception {
    Dpop key = new Dpop();
    HttpResponse<String> response =
        token(
            form(
                "grant_type",
                "client_credentials",
                "audience",
                ORDERS,
                "scope",
                "orders:read",
                "max_uses",
                "5"),
            dpopHeaders(key, basic(AGENT, AGENT_SECRET)));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(Json.field(response.body(), "token_type")).isEqualTo("DPoP");
    JWTClaimsSet claims =
        SignedJWT.parse(Json.field(response.body(), "access_token")).getJWTClaimsSet();
    assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("jkt", key.thumbprint());
    assertThat(claims.getIntegerClaim("max_uses")).isEqualTo(5);
    assertThat(issuer.recorded().issued.get(0).getChannelBinding().getThumbprint())
        .isEqualTo(key.thumbprint());
  }

  @Test
  void shouldBindTheTokenToTheCertificateTheTerminatorVerified() throws Exception {
    Map<String, String> headers = new HashMap<>(basic(ORDERS_SERVICE, ORDERS_SECRET));
    String thumbprint = "mW7p3nUbWp4c0cx2WhGZQwO3aSUFs8O6JcD3YhS2Wm0";
    headers.put(TestIssuer.MTLS_HEADER, thumbprint);
    HttpResponse<String> response =
        token(
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            headers);

    // Authenticated by its secret; the certificate it offers binds the token (RFC 8705 3).
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JWTClaimsSet claims =
        SignedJWT.parse(Json.field(response.body(), "access_token")).getJWTClaimsSet();
    assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("x5t#S256", thumbprint);
    assertThat(issuer.recorded().issued.get(0).getChannelBinding().getType())
        .isEqualTo(BindingType.MTLS);
  }

  @Test
  void shouldRefuseAnInvalidDpopProof() {
    Dpop key = new Dpop();
    Map<String, String> headers = new HashMap<>(basic(AGENT, AGENT_SECRET));
    headers.put(
        "DPoP", key.proof("POST", "https://elsewhere.test/oauth2/token", issuer.clock.instant()));
    HttpResponse<String> response =
        token(
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            headers);

    assertError(response, 400, "invalid_dpop_proof");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.INVALID_DPOP_PROOF);
  }

  @Test
  void shouldRefuseAStaleOrMistypedDpopProof() {
    Dpop key = new Dpop();
    Map<String, String> stale = new HashMap<>(basic(AGENT, AGENT_SECRET));
    stale.put(
        "DPoP",
        key.proof(
            "POST",
            TestIssuer.tokenEndpoint(),
            issuer.clock.instant().minus(Duration.ofMinutes(5))));
    Map<String, String> mistyped = new HashMap<>(basic(AGENT, AGENT_SECRET));
    mistyped.put(
        "DPoP",
        key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant(), "jti-1", "jwt"));
    Map<String, String> params =
        form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read");

    assertError(token(params, stale), 400, "invalid_dpop_proof");
    assertError(token(params, mistyped), 400, "invalid_dpop_proof");
  }

  @Test
  void shouldRefuseADpopProofWithABlankJti() {
    Dpop key = new Dpop();
    Map<String, String> params =
        form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read");
    for (String jti : new String[] {"", " "}) {
      Map<String, String> headers = new HashMap<>(basic(AGENT, AGENT_SECRET));
      headers.put(
          "DPoP",
          key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant(), jti, "dpop+jwt"));

      assertError(token(params, headers), 400, "invalid_dpop_proof");
      assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.INVALID_DPOP_PROOF);
    }
  }

  @Test
  void shouldRefuseAReplayedDpopProof() {
    Dpop key = new Dpop();
    Map<String, String> headers = dpopHeaders(key, basic(AGENT, AGENT_SECRET));
    Map<String, String> params =
        form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read");

    assertThat(token(params, headers).statusCode()).isEqualTo(200);
    HttpResponse<String> replay = token(params, headers);

    assertError(replay, 400, "invalid_dpop_proof");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.DPOP_PROOF_REPLAYED);
  }

  @Test
  void shouldRefuseUnsupportedGrantTypesAndMissingOnes() {
    assertError(
        token(form("grant_type", "password"), basic(ORDERS_SERVICE, ORDERS_SECRET)),
        400,
        "unsupported_grant_type");
    assertThat(lastDenied().getReason()).isEqualTo(IssuanceDenyReason.UNSUPPORTED_GRANT_TYPE);
    assertError(
        token(form("scope", "orders:read"), basic(ORDERS_SERVICE, ORDERS_SECRET)),
        400,
        "invalid_request");
  }

  @Test
  void shouldRefuseDuplicateParameters() {
    HttpResponse<String> response =
        issuer.post(
            "/oauth2/token",
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials&scope=orders:read&scope=orders:write&audience=" + ORDERS,
            basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertError(response, 400, "invalid_request");
    assertThat(Json.field(response.body(), "error_description")).contains("scope");
  }

  @Test
  void shouldRefuseBodiesThatAreNotFormsOrTooLarge() {
    assertError(
        issuer.post("/oauth2/token", "application/json", "{}", Map.of()), 400, "invalid_request");
    HttpResponse<String> large =
        issuer.post(
            "/oauth2/token",
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials&pad=" + "x".repeat(20_000),
            Map.of());
    assertThat(large.statusCode()).isEqualTo(413);
    assertThat(large.body()).doesNotContain("Exception");
  }

  @Test
  void shouldFailClosedWhenEventsCannotBeRecorded() {
    issuer.recorded().failing = true;

    HttpResponse<String> response =
        token(
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertError(response, 503, "temporarily_unavailable");
    assertThat(response.body()).doesNotContain("access_token");
  }

  @Test
  void shouldListTheScopeCatalogueInPlainLanguage() {
    HttpResponse<String> response = issuer.get("/scopes");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Json.tree(response.body()).get("scopes").findValuesAsText("scope"))
        .contains("orders:read", "payments:refund");
    assertThat(response.body()).contains("Refund a payment").contains("\"risk\":\"critical\"");
  }

  @Test
  void shouldPublishAuthorizationServerMetadata() {
    HttpResponse<String> response = issuer.get("/.well-known/oauth-authorization-server");

    assertThat(Json.field(response.body(), "issuer")).isEqualTo(TestIssuer.ISSUER);
    assertThat(Json.field(response.body(), "jwks_uri"))
        .isEqualTo(TestIssuer.ISSUER + "/.well-known/jwks.json");
    assertThat(response.body()).contains("urn:ietf:params:oauth:grant-type:token-exchange");
  }

  @Test
  void shouldCountIssuedAndDeniedInMetrics() {
    issuer.ordersServiceToken(null);
    token(
        form("grant_type", "client_credentials", "audience", ORDERS, "scope", "nope"),
        basic(ORDERS_SERVICE, ORDERS_SECRET));

    String metrics = issuer.get("/metrics").body();
    assertThat(metrics)
        .contains("tokenwatch_issuer_issued_total{client=\"orders-service\"")
        .contains("reason=\"scope_not_approved\"")
        .contains("tokenwatch_issuer_request_seconds_bucket");
  }

  @Test
  void shouldLetAnAdminRevokeBySelectorAndRecordWho() {
    java.time.Instant watermark =
        issuer.clock.instant().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
    HttpResponse<String> response =
        issuer.post(
            "/admin/revocations",
            "application/json",
            "{\"kind\":\"subject\",\"value\":\"alice\",\"issued_before\":\""
                + watermark
                + "\",\"reason\":\"compromised\"}",
            basic(TestIssuer.CONSOLE, TestIssuer.CONSOLE_SECRET));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(Json.field(response.body(), "selector")).isEqualTo("subject:alice");
    var request = issuer.recorded().requests.get(0);
    assertThat(request.getRequestedBy()).isEqualTo("admin:security-console");
    assertThat(request.getSelector().getKind()).isEqualTo(SelectorKind.SUBJECT);
    assertThat(request.getReason()).isEqualTo(RevocationReason.COMPROMISED);
    assertThat(issuer.recorded().fastPath).hasSize(1);
    // Tokens issued up to the (future) watermark live until it plus their lifetime: the feed
    // record must not be forgotten before then.
    assertThat(issuer.recorded().fastPath.get(0).getForgetAfter()).isAfter(watermark);
  }

  @ParameterizedTest
  @ValueSource(strings = {"token", "lineage", "grant", "subject", "client", "audience"})
  void shouldWriteEveryKindOfAdminRevocationToTheFastPathAsTheStreamWouldResolveIt(String kind) {
    HttpResponse<String> response =
        issuer.post(
            "/admin/revocations",
            "application/json",
            "{\"kind\":\"" + kind + "\",\"value\":\"v-1\"}",
            basic(TestIssuer.CONSOLE, TestIssuer.CONSOLE_SECRET));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    var request = issuer.recorded().requests.get(0);
    var fastPath = issuer.recorded().fastPath;
    // Every kind reaches validators at once, also while the revocation stream is not ready.
    assertThat(fastPath).hasSize(1);
    assertThat(fastPath.get(0).getSelector()).isEqualTo(request.getSelector());
    Instant watermark = request.getSelector().getIssuedBefore();
    if (kind.equals("token") || kind.equals("lineage")) {
      assertThat(watermark).as("a token or lineage is revoked outright").isNull();
    } else {
      // The population keeps receiving tokens: those issued after the request stay valid, and the
      // request carries the watermark so the stream derives the very same record.
      assertThat(watermark).isEqualTo(request.getOccurredAt());
      assertThat(fastPath.get(0).getForgetAfter()).isAfter(watermark);
    }
  }

  @Test
  void shouldRotateTheSigningKeyForAnAdminAndKeepTheOldKeyPublished() throws Exception {
    String before = issuer.ordersServiceToken("orders:read");
    String oldKid = SignedJWT.parse(before).getHeader().getKeyID();

    HttpResponse<String> response =
        issuer.post(
            "/admin/keys/rotate",
            "application/json",
            "{\"algorithm\":\"RS256\"}",
            basic(TestIssuer.CONSOLE, TestIssuer.CONSOLE_SECRET));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    String newKid = Json.field(response.body(), "kid");
    assertThat(newKid).isNotEqualTo(oldKid);
    assertThat(Json.field(response.body(), "retired_kid")).isEqualTo(oldKid);
    assertThat(Json.field(response.body(), "algorithm")).isEqualTo("RS256");
    SignedJWT after = SignedJWT.parse(issuer.ordersServiceToken("orders:read"));
    assertThat(after.getHeader().getKeyID()).isEqualTo(newKid);
    assertThat(after.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
    JWKSet jwks = JWKSet.parse(issuer.get("/.well-known/jwks.json").body());
    assertThat(jwks.getKeyByKeyId(oldKid)).as("old key still published").isNotNull();
    assertThat(jwks.getKeyByKeyId(newKid)).isNotNull();
  }

  @Test
  void shouldRefuseKeyRotationToNonAdminsAndBadBodies() {
    HttpResponse<String> notAdmin =
        issuer.post(
            "/admin/keys/rotate", "application/json", "", basic(ORDERS_SERVICE, ORDERS_SECRET));
    HttpResponse<String> badBody =
        issuer.post(
            "/admin/keys/rotate",
            "application/json",
            "{\"algorithm\":\"HS256\"}",
            basic(TestIssuer.CONSOLE, TestIssuer.CONSOLE_SECRET));

    assertError(notAdmin, 403, "access_denied");
    assertError(badBody, 400, "invalid_request");
  }

  @Test
  void shouldRefuseAdminCallsFromNonAdmins() {
    HttpResponse<String> response =
        issuer.post(
            "/admin/revocations",
            "application/json",
            "{\"kind\":\"client\",\"value\":\"x\"}",
            basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertError(response, 403, "access_denied");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRevokeAnAccessTokenAndEveryTokenDelegatedFromItForItsClient() throws Exception {
    String token = issuer.ordersServiceToken("orders:read");
    String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();

    HttpResponse<String> response =
        issuer.postForm(
            "/oauth2/revoke", form("token", token), basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(issuer.recorded().requests).hasSize(1);
    assertThat(issuer.recorded().requests.get(0).getSelector().getKind())
        .isEqualTo(SelectorKind.LINEAGE);
    assertThat(issuer.recorded().requests.get(0).getSelector().getValue()).isEqualTo(jti);
    assertThat(issuer.recorded().fastPath.get(0).getSelector().getKind())
        .isEqualTo(SelectorKind.LINEAGE);
    assertThat(issuer.recorded().requests.get(0).getReason())
        .isEqualTo(RevocationReason.CLIENT_REQUEST);
    assertThat(issuer.recorded().fastPath.get(0).getForgetAfter())
        .isEqualTo(SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant());
  }

  private Map<String, String> dpopHeaders(Dpop key, Map<String, String> base) {
    Map<String, String> headers = new HashMap<>(base);
    headers.put("DPoP", key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant()));
    return headers;
  }
}
