package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT_REDIRECT;
import static io.tokenwatch.issuer.testkit.TestIssuer.ASSISTANT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.ConsentWithdrawalReason;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.issuer.consent.AuthorizationRequest;
import io.tokenwatch.issuer.consent.AuthorizationRequests;
import io.tokenwatch.issuer.consent.ConsentService;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.issuer.token.TokenService;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token endpoint's side of user consent: redeeming codes, replay, and the tokens' bounds. */
class AuthorizationCodeGrantTest {

  static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  @TempDir java.nio.file.Path dir;
  TestIssuer issuer;

  @BeforeEach
  void start() {
    issuer = new TestIssuer(dir);
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  /** The person alice approves {@code approved} of a request for orders:read and orders:export. */
  private ConsentService.Approval.Approved consent(boolean openid, String... approved) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    params.put("response_type", List.of("code"));
    params.put("client_id", List.of(ASSISTANT));
    params.put("redirect_uri", List.of(ASSISTANT_REDIRECT));
    params.put("scope", List.of((openid ? "openid " : "") + "orders:read orders:export"));
    params.put("state", List.of("st"));
    params.put("nonce", List.of("nonce-1"));
    params.put("code_challenge", List.of(challenge(VERIFIER)));
    params.put("code_challenge_method", List.of("S256"));
    params.put("purpose", List.of("Monthly export"));
    AuthorizationRequests.Reading.Valid valid =
        (AuthorizationRequests.Reading.Valid)
            AuthorizationRequests.read(params, issuer.policy.current());
    AuthorizationRequest request = valid.request();
    return (ConsentService.Approval.Approved)
        issuer
            .service
            .consents()
            .approve(
                "alice", "local", request, valid.rule(), issuer.policy.current(), Set.of(approved));
  }

  private HttpResponse<String> redeem(String code, String verifier, String redirect) {
    return issuer.postForm(
        "/oauth2/token",
        form(
            "grant_type", "authorization_code",
            "code", code,
            "code_verifier", verifier,
            "redirect_uri", redirect),
        basic(ASSISTANT, ASSISTANT_SECRET));
  }

  @Test
  void shouldIssueThePersonsTokenInTheConsentsGrantWithOnlyTheApprovedScopes() throws Exception {
    ConsentService.Approval.Approved approved = consent(true, "orders:read");

    HttpResponse<String> response = redeem(approved.code(), VERIFIER, ASSISTANT_REDIRECT);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JWTClaimsSet claims =
        SignedJWT.parse(Json.field(response.body(), "access_token")).getJWTClaimsSet();
    assertThat(claims.getSubject()).isEqualTo("alice");
    assertThat(claims.getStringClaim("client_id")).isEqualTo(ASSISTANT);
    assertThat(claims.getStringClaim("scope")).isEqualTo("orders:read");
    assertThat(claims.getStringClaim("grant_id")).isEqualTo(approved.consent().id());
    assertThat(claims.getAudience()).containsExactly(ORDERS);
    assertThat(issuer.recorded().issued)
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getGrantType()).isEqualTo(GrantType.AUTHORIZATION_CODE);
              assertThat(event.getGrantId()).isEqualTo(approved.consent().id());
            });
    assertThat(Json.field(response.body(), "refresh_token")).startsWith("rt");
    JWTClaimsSet id = SignedJWT.parse(Json.field(response.body(), "id_token")).getJWTClaimsSet();
    assertThat(id.getStringClaim("nonce")).isEqualTo("nonce-1");
    assertThat(id.getAudience()).containsExactly(ASSISTANT);
    assertThat(issuer.consentLog.granted)
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getGrantedScopes()).containsExactly("orders:read");
              assertThat(event.getRequestedScopes())
                  .containsExactly("orders:read", "orders:export");
              assertThat(event.getPurpose()).isEqualTo("Monthly export");
            });
  }

  @Test
  void shouldNeverLetTheTokensOrTheRefreshGrantOutliveTheConsent() throws Exception {
    // A consent of two minutes under a rule whose tokens live five and whose refresh grant eight
    // hours: both end with the consent.
    java.nio.file.Files.writeString(
        issuer.policyFile,
        java.nio.file.Files.readString(issuer.policyFile)
            .replace("consent_ttl: P30D", "consent_ttl: PT2M"));
    assertThat(issuer.policy.reload())
        .isInstanceOf(io.tokenwatch.issuer.policy.PolicyHolder.ReloadResult.Loaded.class);
    ConsentService.Approval.Approved approved = consent(false, "orders:read");
    Instant end = approved.consent().expiresAt();

    HttpResponse<String> response = redeem(approved.code(), VERIFIER, ASSISTANT_REDIRECT);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JWTClaimsSet claims =
        SignedJWT.parse(Json.field(response.body(), "access_token")).getJWTClaimsSet();
    assertThat(claims.getExpirationTime().toInstant()).isBeforeOrEqualTo(end);
    assertThat(issuer.grants.get(approved.consent().id()).orElseThrow().getExpiresAt())
        .isBeforeOrEqualTo(end);
    issuer.clock.set(end);
    HttpResponse<String> refreshed =
        issuer.postForm(
            "/oauth2/token",
            form(
                "grant_type",
                "refresh_token",
                "refresh_token",
                Json.field(response.body(), "refresh_token")),
            basic(ASSISTANT, ASSISTANT_SECRET));
    assertThat(refreshed.statusCode()).isEqualTo(400);
    assertThat(Json.field(refreshed.body(), "error")).isEqualTo("invalid_grant");
  }

  @Test
  void shouldRefuseASecondRedemptionAndWithdrawTheConsentWithOneGrantRevocation() throws Exception {
    ConsentService.Approval.Approved approved = consent(false, "orders:read", "orders:export");
    assertThat(redeem(approved.code(), VERIFIER, ASSISTANT_REDIRECT).statusCode()).isEqualTo(200);

    HttpResponse<String> replay = redeem(approved.code(), VERIFIER, ASSISTANT_REDIRECT);

    assertThat(replay.statusCode()).isEqualTo(400);
    assertThat(Json.field(replay.body(), "error")).isEqualTo("invalid_grant");
    ConsentWithdrawn withdrawn = issuer.consentLog.withdrawn.get(0);
    assertThat(issuer.consentLog.withdrawn).hasSize(1);
    assertThat(withdrawn.getReason()).isEqualTo(ConsentWithdrawalReason.CODE_REPLAYED);
    assertThat(withdrawn.getRevocationSelector()).isEqualTo("grant:" + approved.consent().id());
    RevocationRequested revocation = issuer.recorded().requests.get(0);
    assertThat(issuer.recorded().requests).hasSize(1);
    assertThat(revocation.getSelector().getKind()).isEqualTo(SelectorKind.GRANT);
    assertThat(revocation.getSelector().getValue()).isEqualTo(approved.consent().id());
    assertThat(issuer.recorded().fastPath).hasSize(1);
    assertThat(
            issuer
                .service
                .consents()
                .registry()
                .active(approved.consent().id(), issuer.clock.instant()))
        .isEmpty();
  }

  @Test
  void shouldRefuseAWrongVerifierRedirectUriOrClientAndSpendTheCodeAnyway() {
    ConsentService.Approval.Approved first = consent(false, "orders:read");
    HttpResponse<String> wrongVerifier =
        redeem(first.code(), VERIFIER.replace('d', 'e'), ASSISTANT_REDIRECT);
    assertThat(wrongVerifier.statusCode()).isEqualTo(400);
    assertThat(Json.field(wrongVerifier.body(), "error")).isEqualTo("invalid_grant");
    // plain PKCE: the challenge presented as the verifier
    ConsentService.Approval.Approved plain = consent(false, "orders:read");
    assertThat(redeem(plain.code(), challenge(VERIFIER), ASSISTANT_REDIRECT).statusCode())
        .isEqualTo(400);

    ConsentService.Approval.Approved second = consent(false, "orders:read");
    assertThat(redeem(second.code(), VERIFIER, ASSISTANT_REDIRECT + "/").statusCode())
        .isEqualTo(400);

    ConsentService.Approval.Approved third = consent(false, "orders:read");
    HttpResponse<String> otherClient =
        issuer.postForm(
            "/oauth2/token",
            form(
                "grant_type",
                "authorization_code",
                "code",
                third.code(),
                "code_verifier",
                VERIFIER,
                "redirect_uri",
                ASSISTANT_REDIRECT),
            basic(AGENT, AGENT_SECRET));
    assertThat(otherClient.statusCode()).isEqualTo(400);
    assertThat(issuer.recorded().issued).isEmpty();
    assertThat(issuer.recorded().denied).hasSize(4);
  }

  @Test
  void shouldRefuseAnUnknownOrExpiredCodeWithoutWithdrawingAnything() {
    ConsentService.Approval.Approved approved = consent(false, "orders:read");
    issuer.clock.advance(Duration.ofSeconds(61));

    assertThat(redeem(approved.code(), VERIFIER, ASSISTANT_REDIRECT).statusCode()).isEqualTo(400);
    assertThat(redeem("ac-forged", VERIFIER, ASSISTANT_REDIRECT).statusCode()).isEqualTo(400);
    assertThat(issuer.consentLog.withdrawn).isEmpty();
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldKeepATokenExchangedFromAConsentsTokenInTheConsentsGrant() throws Exception {
    ConsentService.Approval.Approved approved = consent(false, "orders:read");
    String userToken =
        Json.field(redeem(approved.code(), VERIFIER, ASSISTANT_REDIRECT).body(), "access_token");

    Map<String, String> params =
        new HashMap<>(
            form(
                "grant_type",
                TokenService.TOKEN_EXCHANGE,
                "subject_token",
                userToken,
                "subject_token_type",
                TokenService.ACCESS_TOKEN_TYPE,
                "scope",
                "orders:read"));
    HttpResponse<String> exchanged =
        issuer.postForm("/oauth2/token", params, basic(ASSISTANT, ASSISTANT_SECRET));

    assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
    JWTClaimsSet claims =
        SignedJWT.parse(Json.field(exchanged.body(), "access_token")).getJWTClaimsSet();
    assertThat(claims.getStringClaim("grant_id")).isEqualTo(approved.consent().id());
    assertThat(Json.tree(exchanged.body()).has("refresh_token")).isFalse();
  }

  static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              MessageDigest.getInstance("SHA-256")
                  .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
