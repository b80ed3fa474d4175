package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.issuer.token.TokenService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DelegationAndRefreshTest {

  @TempDir Path dir;
  TestIssuer issuer;
  Dpop key;

  @BeforeEach
  void start() {
    issuer = new TestIssuer(dir);
    key = new Dpop();
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  private Map<String, String> agent() {
    Map<String, String> headers = new HashMap<>(basic(AGENT, AGENT_SECRET));
    headers.put("DPoP", key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant()));
    return headers;
  }

  private HttpResponse<String> exchange(String subjectToken, String... extra) {
    Map<String, String> params =
        form(
            "grant_type",
            TokenService.TOKEN_EXCHANGE,
            "subject_token",
            subjectToken,
            "subject_token_type",
            TokenService.ACCESS_TOKEN_TYPE);
    params.putAll(form(extra));
    return issuer.postForm("/oauth2/token", params, agent());
  }

  private HttpResponse<String> refresh(String refreshToken) {
    return issuer.postForm(
        "/oauth2/token",
        form("grant_type", "refresh_token", "refresh_token", refreshToken),
        agent());
  }

  @Test
  void shouldIssueADelegatedTokenCarryingActorParentAndLineage() throws Exception {
    String subject = issuer.ordersServiceToken(null);
    JWTClaimsSet parent = SignedJWT.parse(subject).getJWTClaimsSet();

    HttpResponse<String> response = exchange(subject, "scope", "orders:read");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(Json.field(response.body(), "issued_token_type"))
        .isEqualTo(TokenService.ACCESS_TOKEN_TYPE);
    JWTClaimsSet claims =
        SignedJWT.parse(Json.field(response.body(), "access_token")).getJWTClaimsSet();
    assertThat(claims.getSubject()).isEqualTo(parent.getSubject());
    assertThat(claims.getStringClaim("client_id")).isEqualTo(AGENT);
    assertThat(claims.getJSONObjectClaim("act")).containsEntry("sub", AGENT);
    assertThat(claims.getStringClaim("parent_jti")).isEqualTo(parent.getJWTID());
    assertThat(claims.getStringListClaim("lineage")).containsExactly(parent.getJWTID());
    assertThat(claims.getExpirationTime()).isBeforeOrEqualTo(parent.getExpirationTime());
    assertThat(claims.getIntegerClaim("max_uses")).isEqualTo(50);
    TokenIssued event = issuer.recorded().issued.get(1);
    assertThat(event.getActor().getSubject()).isEqualTo(AGENT);
    assertThat(event.getParentTokenId()).isEqualTo(parent.getJWTID());
    assertThat(event.getLineage()).containsExactly(parent.getJWTID());
    assertThat(Json.field(response.body(), "refresh_token")).startsWith("rt.");
  }

  @Test
  void shouldRefuseAnExchangeThatWidensScope() {
    String subject = issuer.ordersServiceToken("orders:read");

    HttpResponse<String> response = exchange(subject, "scope", "orders:read orders:export");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_scope");
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.DELEGATION_WIDENS_SCOPE);
    assertThat(issuer.recorded().lastDenied().getParentTokenId()).isNotNull();
  }

  @Test
  void shouldRefuseAnExchangeThatWouldOutliveItsParent() {
    String subject = issuer.ordersServiceToken("orders:read"); // lives 5 minutes

    HttpResponse<String> response = exchange(subject, "scope", "orders:read", "expires_in", "600");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.DELEGATION_OUTLIVES_PARENT);
  }

  @Test
  void shouldRefuseAnExchangeOfAForeignOrExpiredToken() {
    String subject = issuer.ordersServiceToken("orders:read");
    issuer.clock.advance(java.time.Duration.ofMinutes(6));

    HttpResponse<String> expired = exchange(subject, "scope", "orders:read");
    HttpResponse<String> garbage = exchange("not.a.token", "scope", "orders:read");

    assertThat(Json.field(expired.body(), "error")).isEqualTo("invalid_grant");
    assertThat(Json.field(garbage.body(), "error")).isEqualTo("invalid_grant");
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.INVALID_SUBJECT_TOKEN);
  }

  @Test
  void shouldRefuseAnExchangeByAClientThatMayNotActForOthers() {
    String subject = issuer.ordersServiceToken("orders:read");
    Map<String, String> params =
        form(
            "grant_type",
            TokenService.TOKEN_EXCHANGE,
            "subject_token",
            subject,
            "subject_token_type",
            TokenService.ACCESS_TOKEN_TYPE);

    HttpResponse<String> response =
        issuer.postForm(
            "/oauth2/token", params, basic(TestIssuer.ORDERS_SERVICE, TestIssuer.ORDERS_SECRET));

    assertThat(Json.field(response.body(), "error")).isEqualTo("unauthorized_client");
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.DELEGATION_NOT_ALLOWED);
    // the client's entry decided (it may not act for others), so the denial names it
    assertThat(issuer.recorded().lastDenied().getRuleId()).isEqualTo(TestIssuer.ORDERS_SERVICE);
  }

  @Test
  void shouldRotateTheRefreshTokenOnEveryUseWithoutWideningScope() throws Exception {
    String subject = issuer.ordersServiceToken(null);
    String first = Json.field(exchange(subject, "scope", "orders:read").body(), "refresh_token");

    HttpResponse<String> refreshed = refresh(first);

    assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
    String second = Json.field(refreshed.body(), "refresh_token");
    assertThat(second).isNotEqualTo(first);
    assertThat(Json.field(refreshed.body(), "scope")).isEqualTo("orders:read");
    JWTClaimsSet claims =
        SignedJWT.parse(Json.field(refreshed.body(), "access_token")).getJWTClaimsSet();
    assertThat(claims.getJSONObjectClaim("cnf")).containsEntry("jkt", key.thumbprint());
    HttpResponse<String> wider =
        issuer.postForm(
            "/oauth2/token",
            form(
                "grant_type",
                "refresh_token",
                "refresh_token",
                second,
                "scope",
                "orders:read orders:export"),
            agent());
    assertThat(Json.field(wider.body(), "error")).isEqualTo("invalid_scope");
  }

  @Test
  void shouldRevokeTheWholeGrantWhenARotatedRefreshTokenIsReused() throws Exception {
    String subject = issuer.ordersServiceToken(null);
    String first = Json.field(exchange(subject, "scope", "orders:read").body(), "refresh_token");
    String second = Json.field(refresh(first).body(), "refresh_token");
    String grantId = first.split("\\.")[1];

    HttpResponse<String> reuse = refresh(first);

    assertThat(reuse.statusCode()).isEqualTo(400);
    assertThat(Json.field(reuse.body(), "error")).isEqualTo("invalid_grant");
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.REFRESH_TOKEN_REUSE);
    var request = issuer.recorded().requests.get(0);
    assertThat(request.getSelector().getKind()).isEqualTo(SelectorKind.GRANT);
    assertThat(request.getSelector().getValue()).isEqualTo(grantId);
    assertThat(request.getReason()).isEqualTo(RevocationReason.REFRESH_TOKEN_REUSE);
    assertThat(issuer.recorded().fastPath)
        .singleElement()
        .satisfies(r -> assertThat(r.getSelector().getValue()).isEqualTo(grantId));
    assertThat(issuer.grants.get(grantId).orElseThrow().getStatus())
        .isEqualTo(RefreshGrantStatus.REVOKED);
    // The legitimate holder's current token dies with the grant.
    assertThat(Json.field(refresh(second).body(), "error")).isEqualTo("invalid_grant");
  }

  @Test
  void shouldRefuseARefreshWithoutTheBoundDpopKey() {
    String subject = issuer.ordersServiceToken(null);
    String first = Json.field(exchange(subject, "scope", "orders:read").body(), "refresh_token");
    key = new Dpop(); // another key than the grant's

    HttpResponse<String> response = refresh(first);

    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_dpop_proof");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRevokeAGrantWhenTwoInstancesRotatedTheSameGeneration() {
    String subject = issuer.ordersServiceToken(null);
    String first = Json.field(exchange(subject, "scope", "orders:read").body(), "refresh_token");
    refresh(first);
    String grantId = first.split("\\.")[1];
    RefreshGrantChanged ours = issuer.grants.get(grantId).orElseThrow();
    List<String> theirs = new java.util.ArrayList<>(ours.getTokenHashes().subList(0, 1));
    theirs.add("another-instance-rotated-this-generation-differently");
    RefreshGrantChanged other =
        RefreshGrantChanged.newBuilder(ours)
            .setTokenHashes(theirs)
            .setChangedBy("issuer-b")
            .build();

    issuer.grants.receive(other);

    assertThat(issuer.grants.get(grantId).orElseThrow().getStatus())
        .isEqualTo(RefreshGrantStatus.REVOKED);
    assertThat(issuer.recorded().requests)
        .singleElement()
        .satisfies(r -> assertThat(r.getReason()).isEqualTo(RevocationReason.REFRESH_TOKEN_REUSE));
  }

  @Test
  void shouldRevokeTheGrantWhenTheClientRevokesItsRefreshToken() {
    String subject = issuer.ordersServiceToken(null);
    String first = Json.field(exchange(subject, "scope", "orders:read").body(), "refresh_token");

    HttpResponse<String> response =
        issuer.postForm(
            "/oauth2/revoke",
            form("token", first, "token_type_hint", "refresh_token"),
            basic(AGENT, AGENT_SECRET));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(issuer.recorded().requests.get(0).getSelector().getKind())
        .isEqualTo(SelectorKind.GRANT);
    assertThat(Json.field(refresh(first).body(), "error")).isEqualTo("invalid_grant");
  }

  // ---- delegations end with the token they were made from ----

  @Test
  void shouldRefuseARefreshOnceTheParentTokenIsRevokedByItsClient() throws Exception {
    String parent = issuer.ordersServiceToken(null);
    String parentJti = SignedJWT.parse(parent).getJWTClaimsSet().getJWTID();
    String refreshToken =
        Json.field(exchange(parent, "scope", "orders:read").body(), "refresh_token");
    String grantId = refreshToken.split("\\.")[1];

    // RFC 7009 by the parent's own client: the issuer revokes lineage:<parent>, and the record
    // reaches the feed the issuer follows.
    HttpResponse<String> revoked =
        issuer.postForm(
            "/oauth2/revoke",
            form("token", parent),
            basic(TestIssuer.ORDERS_SERVICE, TestIssuer.ORDERS_SECRET));
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(issuer.recorded().fastPath)
        .singleElement()
        .satisfies(r -> assertThat(r.getSelector().getKind()).isEqualTo(SelectorKind.LINEAGE));
    issuer.revocations.revoke("lineage:" + parentJti);

    HttpResponse<String> response = refresh(refreshToken);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_grant");
    assertThat(Json.field(response.body(), "error_description")).contains("lineage:" + parentJti);
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.INVALID_REFRESH_TOKEN);
    assertThat(issuer.recorded().lastDenied().getParentTokenId()).isEqualTo(parentJti);
    assertThat(issuer.grants.get(grantId).orElseThrow().getStatus())
        .as("the grant is closed in the shared grant state too")
        .isEqualTo(RefreshGrantStatus.REVOKED);
    assertThat(issuer.recorded().issued).as("nothing minted after the exchange").hasSize(2);
  }

  @Test
  void shouldRefuseARefreshWhenAnAncestorIsRevokedByItsTokenId() throws Exception {
    String parent = issuer.ordersServiceToken(null);
    String refreshToken =
        Json.field(exchange(parent, "scope", "orders:read").body(), "refresh_token");
    issuer.revocations.revoke("token:" + SignedJWT.parse(parent).getJWTClaimsSet().getJWTID());

    HttpResponse<String> response = refresh(refreshToken);

    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_grant");
    assertThat(Json.field(response.body(), "error_description")).contains("token:");
  }

  @Test
  void shouldRefuseARefreshWhoseNextTokenAWatermarkCoversButKeepTheGrant() throws Exception {
    String parent = issuer.ordersServiceToken(null);
    String refreshToken =
        Json.field(exchange(parent, "scope", "orders:read").body(), "refresh_token");
    String grantId = refreshToken.split("\\.")[1];
    // Every token of the subject issued in the next hour is denied by every validator.
    issuer.revocations.index.put(
        "subject:" + TestIssuer.ORDERS_SERVICE,
        issuer.clock.instant().plus(Duration.ofHours(1)).toEpochMilli());

    HttpResponse<String> response = refresh(refreshToken);

    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_grant");
    assertThat(issuer.grants.get(grantId).orElseThrow().getStatus())
        .as("a watermark passes; the grant may be refreshed after it")
        .isEqualTo(RefreshGrantStatus.ACTIVE);
  }

  @Test
  void shouldRefuseARefreshWhileTheRevocationFeedIsStale() {
    String parent = issuer.ordersServiceToken(null);
    String refreshToken =
        Json.field(exchange(parent, "scope", "orders:read").body(), "refresh_token");
    issuer.revocations.fresh(false);

    HttpResponse<String> response = refresh(refreshToken);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(Json.field(response.body(), "error")).isEqualTo("temporarily_unavailable");
    issuer.revocations.fresh(true);
    assertThat(refresh(refreshToken).statusCode())
        .as("the refresh token was not spent by the refusal")
        .isEqualTo(200);
  }

  @Test
  void shouldRefuseToExchangeADelegatedTokenWhoseAncestorIsRevokedByItsTokenId() throws Exception {
    String root = issuer.ordersServiceToken(null);
    String delegated = Json.field(exchange(root, "scope", "orders:read").body(), "access_token");
    issuer.revocations.revoke("token:" + SignedJWT.parse(root).getJWTClaimsSet().getJWTID());

    HttpResponse<String> response = exchange(delegated, "scope", "orders:read");

    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_grant");
    assertThat(Json.field(response.body(), "error_description")).contains("delegated from");
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.INVALID_SUBJECT_TOKEN);
  }

  @Test
  void shouldKeepAudienceFromTheSubjectTokenByDefault() throws Exception {
    String subject = issuer.ordersServiceToken("orders:read");

    HttpResponse<String> response = exchange(subject);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(
            SignedJWT.parse(Json.field(response.body(), "access_token"))
                .getJWTClaimsSet()
                .getAudience())
        .containsExactly(ORDERS);
  }
}
