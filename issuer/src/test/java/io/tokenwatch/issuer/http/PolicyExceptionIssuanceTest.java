package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.access.AccessKind;
import io.tokenwatch.issuer.access.AccessOutcome;
import io.tokenwatch.issuer.access.AccessRequest;
import io.tokenwatch.issuer.access.Actor;
import io.tokenwatch.issuer.access.Duty;
import io.tokenwatch.issuer.access.NewAccessRequest;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token endpoint under a policy exception made by an approved access request. */
class PolicyExceptionIssuanceTest {

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

  private HttpResponse<String> token(String scope, String... extra) {
    Map<String, String> params =
        new java.util.HashMap<>(
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", scope));
    params.putAll(form(extra));
    return issuer.postForm("/oauth2/token", params, basic(ORDERS_SERVICE, ORDERS_SECRET));
  }

  /** orders-service gets orders:export (high risk) for {@code duration}, approved by two people. */
  private AccessRequest approvedExport(Duration duration) {
    AccessRequest request =
        ((AccessOutcome.Changed)
                issuer.access.request(
                    new Actor("ann", Set.of()),
                    new NewAccessRequest(
                        AccessKind.SCOPE,
                        ORDERS_SERVICE,
                        ORDERS,
                        List.of("orders:export"),
                        "quarterly export",
                        duration)))
            .request();
    issuer.access.approve(request.id(), new Actor("bob", Set.of(Duty.APPROVER)), null);
    issuer.access.approve(request.id(), new Actor("cid", Set.of(Duty.APPROVER)), null);
    return issuer.access.get(request.id()).orElseThrow();
  }

  @Test
  void shouldIssueTheExceptionsScopeNamingTheExceptionAsRuleAndEndWithIt() throws Exception {
    assertThat(token("orders:read orders:export").statusCode()).isEqualTo(400);
    AccessRequest approved = approvedExport(Duration.ofMinutes(3));

    HttpResponse<String> response = token("orders:read orders:export");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    TokenIssued issued = issuer.recorded().issued.get(issuer.recorded().issued.size() - 1);
    assertThat(issued.getRuleId()).isEqualTo(approved.exceptionId());
    assertThat(issued.getScopes()).containsExactly("orders:read", "orders:export");
    // The rule's default lifetime is 5 minutes; the exception ends in 3.
    Instant end = approved.exceptionUntil();
    assertThat(issued.getExpiresAt()).isBeforeOrEqualTo(end);
    SignedJWT jwt = SignedJWT.parse(Json.field(response.body(), "access_token"));
    assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isBeforeOrEqualTo(end);
    assertThat(Json.tree(response.body()).has("refresh_token")).isFalse();
  }

  @Test
  void shouldKeepThePolicyRuleForScopesThePolicyGrantsAlone() {
    approvedExport(Duration.ofHours(1));

    assertThat(token("orders:read").statusCode()).isEqualTo(200);

    TokenIssued issued = issuer.recorded().issued.get(issuer.recorded().issued.size() - 1);
    assertThat(issued.getRuleId()).isEqualTo(ORDERS_SERVICE + "/" + ORDERS);
  }

  @Test
  void shouldRefuseARequestedLifetimePastTheExceptionsEnd() {
    approvedExport(Duration.ofMinutes(3));

    HttpResponse<String> response = token("orders:export", "expires_in", "600");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.TTL_ABOVE_POLICY);
  }

  @Test
  void shouldStopIssuingTheExceptionsScopeOnceItEndsEvenBeforeTheSweep() {
    approvedExport(Duration.ofHours(1));
    assertThat(token("orders:export").statusCode()).isEqualTo(200);

    issuer.clock.advance(Duration.ofHours(1));
    HttpResponse<String> response = token("orders:export");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(Json.field(response.body(), "error")).isEqualTo("invalid_scope");
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.SCOPE_NOT_APPROVED);
    assertThat(issuer.access.expireDue()).hasSize(1);
  }

  @Test
  void shouldGrantNothingForAnotherClientOrAudience() {
    approvedExport(Duration.ofHours(1));

    HttpResponse<String> response =
        issuer.postForm(
            "/oauth2/token",
            form(
                "grant_type",
                "client_credentials",
                "audience",
                TestIssuer.PAYMENTS,
                "scope",
                "orders:export"),
            basic(ORDERS_SERVICE, ORDERS_SECRET));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.AUDIENCE_NOT_ALLOWED);
  }
}
