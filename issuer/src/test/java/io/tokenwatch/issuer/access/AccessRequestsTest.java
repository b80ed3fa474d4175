package io.tokenwatch.issuer.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.issuer.policy.PolicyException;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.policy.PolicyParser;
import io.tokenwatch.issuer.policy.RiskLevel;
import io.tokenwatch.issuer.testkit.InMemoryAccessRequestStore;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessRequestsTest {

  private static final String ORDERS = "https://orders.example.com";
  private static final Actor ANN = new Actor("ann", Set.of());
  private static final Actor BOB = new Actor("bob", Set.of(Duty.APPROVER));
  private static final Actor CID = new Actor("cid", Set.of(Duty.APPROVER, Duty.AUDITOR));
  private static final Actor DEE = new Actor("dee", Set.of(Duty.AUDITOR));

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final InMemoryAccessRequestStore store = new InMemoryAccessRequestStore();
  private PolicyHolder policy;
  private AccessRequests requests;

  @BeforeEach
  void setUp() throws IOException {
    Path file = dir.resolve("policy.yaml");
    try (InputStream sample = getClass().getResourceAsStream("/sample-policy.yaml")) {
      Files.write(file, sample.readAllBytes());
    }
    policy =
        new PolicyHolder(
            file, new PolicyParser(Duration.ofHours(1), "https://issuer.test"), reload -> {});
    requests = new AccessRequests(store, policy::current, clock, Duration.ofDays(30));
  }

  @AfterEach
  void tearDown() {
    policy.close();
  }

  /**
   * orders-service lacks orders:export (high risk); reporting-agent lacks orders:write (medium).
   */
  private AccessOutcome ask(List<String> scopes, Duration duration) {
    String client = scopes.contains("orders:write") ? "reporting-agent" : "orders-service";
    return requests.request(
        ANN,
        new NewAccessRequest(
            AccessKind.SCOPE, client, ORDERS, scopes, "quarterly export", duration));
  }

  private AccessRequest asked(List<String> scopes, Duration duration) {
    return ((AccessOutcome.Changed) ask(scopes, duration)).request();
  }

  @Test
  void shouldNeedTwoApproversForAHighRiskScopeAndOneForAMediumOne() {
    AccessRequest high = asked(List.of("orders:export"), Duration.ofHours(8));
    assertThat(high.risk()).isEqualTo(RiskLevel.HIGH);
    assertThat(high.approvalsRequired()).isEqualTo(2);

    AccessOutcome one = requests.approve(high.id(), BOB, "ok");
    assertThat(((AccessOutcome.Changed) one).request().status()).isEqualTo(AccessStatus.PENDING);
    assertThat(requests.exceptions()).isEmpty();
    AccessOutcome two = requests.approve(high.id(), CID, null);
    AccessRequest approved = ((AccessOutcome.Changed) two).request();
    assertThat(approved.status()).isEqualTo(AccessStatus.APPROVED);
    assertThat(approved.exceptionId()).isEqualTo("exc-" + high.id().substring(4));
    assertThat(approved.exceptionUntil()).isEqualTo(clock.instant().plus(Duration.ofHours(8)));
    assertThat(requests.exceptions())
        .containsExactly(
            new PolicyException(
                approved.exceptionId(),
                "orders-service",
                ORDERS,
                Set.of("orders:export"),
                clock.instant(),
                clock.instant().plus(Duration.ofHours(8))));
  }

  @Test
  void shouldRefuseTheRequesterApprovingTheirOwnRequestAndRecordNothing() {
    Actor annTheApprover = new Actor("ann", Set.of(Duty.APPROVER));
    AccessRequest request = asked(List.of("orders:export"), Duration.ofHours(1));
    int before = store.saved().size();

    AccessOutcome outcome = requests.approve(request.id(), annTheApprover, null);

    assertThat(outcome)
        .isEqualTo(
            new AccessOutcome.Refused(
                AccessRule.NO_SELF_APPROVAL,
                "you asked for " + request.id() + "; someone else must approve it"));
    assertThat(store.saved()).hasSize(before);
  }

  @Test
  void shouldRefuseASecondApprovalBySameApprover() {
    AccessRequest request = asked(List.of("orders:export"), Duration.ofHours(1));
    requests.approve(request.id(), BOB, null);

    AccessOutcome again = requests.approve(request.id(), BOB, null);

    assertThat(again)
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.rule()).isEqualTo(AccessRule.ONE_APPROVAL_PER_PERSON));
    assertThat(requests.get(request.id()).orElseThrow().status()).isEqualTo(AccessStatus.PENDING);
  }

  @Test
  void shouldRefuseAnApproverReviewingWhatTheyApproved() {
    AccessRequest request = asked(List.of("orders:write"), Duration.ofHours(1));
    requests.approve(request.id(), CID, null);

    assertThat(requests.review(request.id(), CID, null))
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.rule()).isEqualTo(AccessRule.APPROVER_CANNOT_REVIEW));
    assertThat(requests.review(request.id(), DEE, "fine"))
        .isInstanceOf(AccessOutcome.Changed.class);
  }

  @Test
  void shouldTakeNoApprovalAfterARefusal() {
    AccessRequest request = asked(List.of("orders:export"), Duration.ofHours(1));
    requests.refuse(request.id(), BOB, "not needed");

    assertThat(requests.approve(request.id(), CID, null))
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.rule()).isEqualTo(AccessRule.NOT_PENDING));
  }

  @Test
  void shouldLetOnlyTheRequesterCancelAndEndTheExceptionAtOnce() {
    AccessRequest request = asked(List.of("orders:write"), Duration.ofHours(1));
    requests.approve(request.id(), BOB, null);
    assertThat(requests.exceptions()).hasSize(1);

    assertThat(requests.cancel(request.id(), BOB))
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.rule()).isEqualTo(AccessRule.ONLY_REQUESTER_CANCELS));
    assertThat(requests.cancel(request.id(), ANN)).isInstanceOf(AccessOutcome.Changed.class);
    assertThat(requests.exceptions()).isEmpty();
  }

  @Test
  void shouldExpireAnExceptionWhenItsEndPassesAndRecordItOnce() {
    AccessRequest request = asked(List.of("orders:write"), Duration.ofHours(1));
    requests.approve(request.id(), BOB, null);

    clock.advance(Duration.ofMinutes(59));
    assertThat(requests.expireDue()).isEmpty();
    assertThat(requests.exceptions()).hasSize(1);
    clock.advance(Duration.ofMinutes(1));
    assertThat(requests.exceptions()).isEmpty();
    List<AccessRequest> expired = requests.expireDue();

    assertThat(expired).extracting(AccessRequest::status).containsExactly(AccessStatus.EXPIRED);
    assertThat(expired.get(0).changedBy()).isEqualTo(AccessRequest.ISSUER);
    assertThat(requests.expireDue()).isEmpty();
  }

  @Test
  void shouldRefuseUnknownScopesScopesAlreadyGrantedTheAdminScopeAndTooLongDurations() {
    assertThat(ask(List.of("orders:teleport"), Duration.ofHours(1)))
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.detail()).startsWith("unknown scope(s) orders:teleport"));
    assertThat(ask(List.of("orders:read"), Duration.ofHours(1)))
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.detail()).contains("already has orders:read"));
    assertThat(ask(List.of("tokenwatch:admin"), Duration.ofHours(1)))
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.detail()).contains("never granted by exception"));
    assertThat(ask(List.of("orders:export"), Duration.ofDays(31)))
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.detail()).contains("longer than the longest exception allowed"));
    assertThat(store.saved()).isEmpty();
  }

  @Test
  void shouldAcceptANarrowingRequestOnlyForScopesTheClientHas() {
    AccessOutcome narrow =
        requests.request(
            ANN,
            new NewAccessRequest(
                AccessKind.NARROW,
                "orders-service",
                ORDERS,
                List.of("orders:write"),
                "unused for 30 days",
                null));
    assertThat(narrow).isInstanceOf(AccessOutcome.Changed.class);
    AccessRequest request = ((AccessOutcome.Changed) narrow).request();
    requests.approve(request.id(), BOB, null);
    assertThat(requests.get(request.id()).orElseThrow().status()).isEqualTo(AccessStatus.APPROVED);
    assertThat(requests.exceptions()).isEmpty();

    assertThat(
            requests.request(
                ANN,
                new NewAccessRequest(
                    AccessKind.NARROW,
                    "orders-service",
                    ORDERS,
                    List.of("orders:export"),
                    "unused",
                    null)))
        .isInstanceOfSatisfying(
            AccessOutcome.Refused.class,
            r -> assertThat(r.detail()).contains("nothing to take away"));
  }

  @Test
  void shouldGateAPolicyChangeUntilApprovedAndReuseTheOpenRequest() {
    AccessRequest opened =
        requests.open("ann", "sha256:abc", List.of("payments:refund"), RiskLevel.CRITICAL, "why");
    assertThat(
            requests.open(
                "ann", "sha256:abc", List.of("payments:refund"), RiskLevel.CRITICAL, "why"))
        .isEqualTo(opened);
    assertThat(requests.approved("sha256:abc")).isEmpty();

    requests.approve(opened.id(), BOB, null);
    assertThat(requests.approved("sha256:abc")).isEmpty();
    requests.approve(opened.id(), CID, null);

    assertThat(requests.approved("sha256:abc"))
        .hasValueSatisfying(
            change ->
                assertThat(change.approvals())
                    .extracting(PersonDecision::person)
                    .containsExactly("bob", "cid"));
    assertThat(requests.approved("sha256:other")).isEmpty();
  }
}
