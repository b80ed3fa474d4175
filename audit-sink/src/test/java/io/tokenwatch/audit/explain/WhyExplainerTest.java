package io.tokenwatch.audit.explain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.store.AuditStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WhyExplainerTest {

  @TempDir Path dir;
  private AuditStore store;
  private final long now = WhyScenario.T.plusSeconds(3600).toEpochMilli();

  @BeforeEach
  void open() {
    store = new WhyScenario().store(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private ObjectNode why(String id) {
    return WhyExplainer.explain(id, WhyScenario.why(store, id), now);
  }

  private static String text(JsonNode answer) {
    List<String> lines = new ArrayList<>();
    answer.path("lines").forEach(line -> lines.add(line.asText()));
    return String.join("\n", lines);
  }

  @Test
  void shouldExplainATokenIssuedUnderAConsentWithItsPolicyVersionUsesAndWithdrawal() {
    ObjectNode answer = why("tok-consent");

    assertThat(answer.path("found").asBoolean()).isTrue();
    assertThat(answer.path("grant").path("client_id").asText()).isEqualTo("reporting-agent");
    assertThat(answer.path("grant").path("subject").asText()).isEqualTo("alice");
    assertThat(answer.path("grant").path("lifetime_seconds").asLong()).isEqualTo(900);
    assertThat(answer.path("policy").path("version").asLong()).isEqualTo(3);
    assertThat(answer.path("policy").path("author").asText()).isEqualTo("carol");
    assertThat(answer.path("rule").path("kind").asText()).isEqualTo("policy");
    assertThat(answer.path("consent").path("user").asText()).isEqualTo("alice");
    assertThat(answer.path("consent").path("purpose").asText()).isEqualTo("Weekly sales report");
    assertThat(answer.path("consent").path("granted_scopes").toString())
        .isEqualTo("[\"orders:read\"]");
    assertThat(answer.path("consent").path("requested_scopes").toString())
        .isEqualTo("[\"orders:read\",\"orders:export\"]");
    assertThat(answer.path("consent").path("withdrawn").path("by").asText()).isEqualTo("alice");
    assertThat(answer.path("state").asText()).isEqualTo("revoked");
    List<String> after = new ArrayList<>();
    answer.path("afterwards").forEach(a -> after.add(a.path("event_id").asText()));
    assertThat(after).containsExactly("ev-use-ok", "ev-withdrawn", "ev-revoked", "ev-use-denied");
    assertThat(text(answer))
        .contains("Token tok-consent was granted at 2026-03-01T09:00:05Z to client reporting-agent")
        .contains("valid for 15 minutes")
        .contains("Policy tokenwatch-sample version 3 (digest sha256-3f0a)")
        .contains("by carol (APPROVED_CHANGE); approved: req-40 approved by dave, erin")
        .contains("alice (login local) let reporting-agent act for them")
        .contains("granted [orders:read] of the requested [orders:read orders:export]")
        .contains("consent cns-7Qm2 withdrawn by alice (USER_WITHDREW)")
        .contains("revoked (grant:cns-7Qm2) by alice")
        .contains("State now: revoked");
  }

  @Test
  void shouldExplainATokenIssuedUnderAnExceptionWithItsRequestAndApproversAndAnUnknownPolicy() {
    ObjectNode answer = why("tok-exception");

    JsonNode rule = answer.path("rule");
    assertThat(rule.path("kind").asText()).isEqualTo("exception");
    assertThat(rule.path("id").asText()).isEqualTo("exc-42");
    assertThat(rule.path("request_id").asText()).isEqualTo("req-42");
    assertThat(rule.path("requester").asText()).isEqualTo("bob");
    assertThat(rule.path("purpose").asText()).isEqualTo("Quarter-end export");
    List<String> approvers = new ArrayList<>();
    rule.path("approvals").forEach(a -> approvers.add(a.path("person").asText()));
    assertThat(approvers).containsExactly("carol", "dave");
    assertThat(answer.path("policy").has("version")).isFalse();
    assertThat(answer.path("state").asText()).isEqualTo("expired");
    assertThat(text(answer))
        .contains("Policy tokenwatch-sample at digest sha256-unknown (no policy change")
        .contains("policy exception exc-42 from access request req-42 (SCOPE, risk high) by bob")
        .contains("Approvals (2 of 2 required): carol at")
        .doesNotContain("Consent ");
  }

  @Test
  void shouldNameTheWholeActorChainOfADelegatedToken() {
    ObjectNode answer = why("ev-tok-child");

    List<String> chain = new ArrayList<>();
    answer.path("grant").path("actor_chain").forEach(a -> chain.add(a.asText()));
    assertThat(chain)
        .containsExactly("agent-42 (client reporting-agent)", "planner (client planner-app)");
    assertThat(text(answer)).contains("exchanged from token tok-parent");
  }

  @Test
  void shouldExplainADenialByItsRuleDetailAndPolicyVersion() {
    ObjectNode answer = why("ev-denied");

    assertThat(answer.path("decision").path("outcome").asText()).isEqualTo("denied");
    assertThat(answer.path("decision").path("reason").asText())
        .isEqualTo("DELEGATION_WIDENS_SCOPE");
    assertThat(answer.path("rule").path("id").asText())
        .isEqualTo("reporting-agent/https://orders.example.com");
    assertThat(answer.path("policy").path("version").asLong()).isEqualTo(3);
    assertThat(text(answer))
        .contains("refused with invalid_scope (DELEGATION_WIDENS_SCOPE)")
        .contains("orders:delete is not in the subject token's scopes")
        .contains("Policy allowed this client and audience: [orders:read orders:export]");
  }

  @Test
  void shouldExplainADeniedUseByTheRevocationThatCoveredTheToken() {
    ObjectNode answer = why("ev-use-denied");

    assertThat(answer.path("decision").path("outcome").asText()).isEqualTo("denied");
    assertThat(answer.path("decision").path("deny_reason").asText()).isEqualTo("REVOKED");
    assertThat(text(answer))
        .contains("validator orders-gateway/host-3 denied GET /orders/42 to token tok-consent")
        .contains("Rule: orders-read of route table routes-sha256-9c1e, requiring [orders:read]")
        .contains("Covered by: 2026-03-01T09:02:01Z revoked (grant:cns-7Qm2) by alice")
        .contains("The token: granted at 2026-03-01T09:00:05Z to client reporting-agent");
  }

  @Test
  void shouldExplainAConsentByItsIdWithItsWithdrawal() {
    ObjectNode answer = why("cns-7Qm2");

    assertThat(answer.path("type").asText()).isEqualTo("ConsentGranted");
    assertThat(text(answer))
        .contains(
            "Consent cns-7Qm2 given at 2026-03-01T09:00:00Z by alice to client reporting-agent")
        .contains("Policy tokenwatch-sample version 3")
        .contains("consent cns-7Qm2 withdrawn by alice");
  }

  @Test
  void shouldExplainAnAccessRequestByItsIdWithEveryChange() {
    ObjectNode answer = why("req-42");

    assertThat(answer.path("event_id").asText()).isEqualTo("ev-req-3");
    assertThat(answer.path("rule").path("requester").asText()).isEqualTo("bob");
    assertThat(answer.path("changes")).hasSize(3);
    assertThat(text(answer))
        .startsWith(
            "Access request req-42 (SCOPE) by bob: [orders:export] for client reporting-agent and"
                + " audience https://orders.example.com, APPROVED after APPROVED by dave")
        .contains("Approvals (2 of 2 required): carol at")
        .contains("access request req-42 REQUESTED by bob, now PENDING.");
  }

  @Test
  void shouldSayPlainlyWhenNothingHasTheId() {
    ObjectNode answer = why("tok-nobody");

    assertThat(answer.path("found").asBoolean()).isFalse();
    assertThat(answer.path("summary").asText())
        .isEqualTo(
            "Nothing in the audit history has the id tok-nobody (token id, event id, consent id or"
                + " access request id).");
  }

  @Test
  void shouldSumUpARunOfAllowedUsesUnderOneRuleAndSayARepeatedLineOnce() {
    List<io.tokenwatch.audit.AuditEvent> events =
        new ArrayList<>(WhyScenario.why(store, "tok-consent"));
    io.tokenwatch.audit.AuditEvent use =
        events.stream().filter(e -> e.eventId().equals("ev-use-ok")).findFirst().orElseThrow();
    io.tokenwatch.audit.AuditEvent revoked =
        events.stream().filter(e -> e.eventId().equals("ev-revoked")).findFirst().orElseThrow();
    for (int i = 1; i <= 3; i++) {
      events.add(copy(use, "ev-use-more-" + i, use.occurredAt() + i));
    }
    // the same revocation on the fast path
    events.add(copy(revoked, "ev-revoked-fast", revoked.occurredAt()));
    events.sort(java.util.Comparator.comparingLong(io.tokenwatch.audit.AuditEvent::occurredAt));

    ObjectNode answer = WhyExplainer.explain("tok-consent", events, now);

    assertThat(answer.path("afterwards")).hasSize(8);
    assertThat(text(answer))
        .contains(
            "  2026-03-01T09:01:00Z to 2026-03-01T09:01:00.003Z: 4 uses allowed by validator"
                + " orders-gateway/host-3 on 1 resource (first GET /orders/42), rule orders-read"
                + " of route table routes-sha256-9c1e.")
        .containsOnlyOnce("revoked (grant:cns-7Qm2)");
  }

  private static io.tokenwatch.audit.AuditEvent copy(
      io.tokenwatch.audit.AuditEvent e, String id, long at) {
    return new io.tokenwatch.audit.AuditEvent(
        id,
        e.eventType(),
        at,
        e.subject(),
        e.clientId(),
        e.tokenId(),
        e.grantId(),
        e.audience(),
        e.grantType(),
        e.scopes(),
        e.decision(),
        e.reason(),
        e.policyId(),
        e.policyVersion(),
        e.actor(),
        e.expiresAt(),
        e.sourceTopic(),
        e.sourcePartition(),
        e.sourceOffset() + 100,
        e.json().replace(e.eventId(), id));
  }

  @Test
  void shouldWriteLifetimesInWords() {
    assertThat(WhyExplainer.duration(5_400_000)).isEqualTo("1 hour 30 minutes");
    assertThat(WhyExplainer.duration(1_000)).isEqualTo("1 second");
    assertThat(WhyExplainer.duration(0)).isEqualTo("0 seconds");
  }
}
