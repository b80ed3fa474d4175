package io.tokenwatch.audit.explain;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.kafka.EventMapper;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.events.AccessDecision;
import io.tokenwatch.events.AccessRequestChange;
import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AccessRequestStatus;
import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.PolicyChangeSource;
import io.tokenwatch.events.PolicyChanged;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.events.UseDenyReason;
import io.tokenwatch.schemas.SampleEvents;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * A small history, written as the real Avro events and mapped by the sink's own mapper: policy
 * version 3 by carol; alice's consent to the reporting agent, a token under it, a use, the
 * withdrawal with its grant revocation and a denied use; an access request approved by two people
 * and a token under its exception (issued under a policy digest the history does not know); a token
 * exchange with its parent; a denial.
 */
final class WhyScenario {

  static final Instant T = Instant.parse("2026-03-01T09:00:00Z");
  static final String POLICY = "tokenwatch-sample";
  static final String DIGEST = "sha256-3f0a";

  final List<AuditEvent> events = new ArrayList<>();
  private long offset;

  WhyScenario() {
    add(
        PolicyChanged.newBuilder(SampleEvents.policyChanged())
            .setEventId("ev-policy-3")
            .setOccurredAt(T.minusSeconds(3600))
            .setPolicyId(POLICY)
            .setVersion(3)
            .setDigest(DIGEST)
            .setPreviousVersion(2L)
            .setSource(PolicyChangeSource.APPROVED_CHANGE)
            .setAuthor("carol")
            .setApprovals(List.of("req-40 approved by dave, erin"))
            .setRolledBackTo(null)
            .build(),
        "tokenwatch.policy-changes");
    add(
        ConsentGranted.newBuilder(SampleEvents.consentGranted())
            .setEventId("ev-consent")
            .setOccurredAt(T)
            .setExpiresAt(T.plusSeconds(7 * 86_400))
            .setPolicy(policy(DIGEST))
            .build(),
        "tokenwatch.consents");
    add(
        issued("tok-consent", "cns-7Qm2", "reporting-agent/https://orders.example.com", DIGEST)
            .setOccurredAt(T.plusSeconds(5))
            .setIssuedAt(T.plusSeconds(5))
            .setNotBefore(T.plusSeconds(5))
            .setExpiresAt(T.plusSeconds(5 + 900))
            .setScopes(List.of("orders:read"))
            .build(),
        "tokenwatch.token-issued");
    add(
        used("ev-use-ok", "tok-consent", T.plusSeconds(60), UseDecision.ALLOWED, null),
        "tokenwatch.token-used");
    add(
        ConsentWithdrawn.newBuilder(SampleEvents.consentWithdrawn())
            .setEventId("ev-withdrawn")
            .setOccurredAt(T.plusSeconds(120))
            .build(),
        "tokenwatch.consent-withdrawals");
    add(
        Revocation.newBuilder(SampleEvents.revocation())
            .setEventId("ev-revoked")
            .setOccurredAt(T.plusSeconds(121))
            .setSelector(
                RevocationSelector.newBuilder()
                    .setKind(SelectorKind.GRANT)
                    .setValue("cns-7Qm2")
                    .setIssuedBefore(null)
                    .build())
            .setReason(RevocationReason.CLIENT_REQUEST)
            .setRequestedBy("alice")
            .setDetail("consent withdrawn")
            .build(),
        "tokenwatch.revocations");
    add(
        used(
            "ev-use-denied",
            "tok-consent",
            T.plusSeconds(180),
            UseDecision.DENIED,
            UseDenyReason.REVOKED),
        "tokenwatch.token-used");

    add(
        request("ev-req-1", 0, AccessRequestChange.REQUESTED, "bob", List.of()),
        "tokenwatch.access-requests");
    add(
        request("ev-req-2", 30, AccessRequestChange.APPROVED, "carol", List.of("carol")),
        "tokenwatch.access-requests");
    add(
        request("ev-req-3", 60, AccessRequestChange.APPROVED, "dave", List.of("carol", "dave")),
        "tokenwatch.access-requests");
    add(
        issued("tok-exception", "grant-exc", "exc-42", "sha256-unknown")
            .setOccurredAt(T.plusSeconds(400))
            .setIssuedAt(T.plusSeconds(400))
            .setNotBefore(T.plusSeconds(400))
            .setExpiresAt(T.plusSeconds(400 + 300))
            .setScopes(List.of("orders:export"))
            .build(),
        "tokenwatch.token-issued");

    add(
        issued("tok-parent", "grant-parent", "agents/https://orders.example.com", DIGEST)
            .setOccurredAt(T.plusSeconds(500))
            .setSubject("alice")
            .setActor(
                io.tokenwatch.events.Actor.newBuilder()
                    .setSubject("planner")
                    .setClientId("planner-app")
                    .build())
            .build(),
        "tokenwatch.token-issued");
    add(
        issued("tok-child", "grant-parent", "agents/https://orders.example.com", DIGEST)
            .setOccurredAt(T.plusSeconds(510))
            .setGrantType(GrantType.TOKEN_EXCHANGE)
            .setParentTokenId("tok-parent")
            .setLineage(List.of("tok-parent"))
            .setActor(
                io.tokenwatch.events.Actor.newBuilder()
                    .setSubject("agent-42")
                    .setClientId("reporting-agent")
                    .build())
            .build(),
        "tokenwatch.token-issued");

    add(
        IssuanceDenied.newBuilder(SampleEvents.issuanceDenied())
            .setEventId("ev-denied")
            .setOccurredAt(T.plusSeconds(600))
            .setPolicy(policy(DIGEST))
            .setRuleId("reporting-agent/https://orders.example.com")
            .build(),
        "tokenwatch.issuance-denied");
  }

  private static PolicyRef policy(String digest) {
    return PolicyRef.newBuilder().setPolicyId(POLICY).setPolicyVersion(digest).build();
  }

  private static TokenIssued.Builder issued(
      String tokenId, String grantId, String ruleId, String digest) {
    return TokenIssued.newBuilder(SampleEvents.tokenIssued())
        .setEventId("ev-" + tokenId)
        .setTokenId(tokenId)
        .setSubject("alice")
        .setClientId("reporting-agent")
        .setGrantId(grantId)
        .setGrantType(GrantType.CLIENT_CREDENTIALS)
        .setParentTokenId(null)
        .setLineage(List.of())
        .setActor(null)
        .setMaxUses(null)
        .setRuleId(ruleId)
        .setPolicy(policy(digest))
        .setReason("policy approved")
        .setGrantedBy("client:reporting-agent");
  }

  private static TokenUsed used(
      String eventId, String tokenId, Instant at, UseDecision decision, UseDenyReason reason) {
    return TokenUsed.newBuilder(SampleEvents.tokenUsed())
        .setEventId(eventId)
        .setOccurredAt(at)
        .setTokenId(tokenId)
        .setSubject("alice")
        .setPresentedClientId(null)
        .setDecision(decision)
        .setDenyReason(reason)
        .setDetail(reason == null ? null : "a revocation covers the token")
        .setMaxUses(null)
        .setGrantId("cns-7Qm2")
        .build();
  }

  private static AccessRequestChanged request(
      String eventId,
      int seconds,
      AccessRequestChange change,
      String actor,
      List<String> approvers) {
    List<AccessDecision> approvals = new ArrayList<>();
    for (String person : approvers) {
      approvals.add(
          AccessDecision.newBuilder()
              .setPerson(person)
              .setDecidedAt(T.plusSeconds(seconds))
              .setComment(null)
              .build());
    }
    boolean approved = approvers.size() == 2;
    return AccessRequestChanged.newBuilder(SampleEvents.accessRequestChanged())
        .setEventId(eventId)
        .setOccurredAt(T.plusSeconds(300 + seconds))
        .setChange(change)
        .setActor(actor)
        .setApprovals(approvals)
        .setRefusal(null)
        .setReviews(List.of())
        .setStatus(approved ? AccessRequestStatus.APPROVED : AccessRequestStatus.PENDING)
        .setExceptionId(approved ? "exc-42" : null)
        .setExceptionUntil(approved ? T.plusSeconds(86_400) : null)
        .build();
  }

  private void add(GenericRecord record, String topic) {
    events.add(EventMapper.map(record, topic, 0, offset++));
  }

  /** The history in a fresh store under {@code dir}. */
  AuditStore store(Path dir) {
    AuditStore store = AuditStore.openReadWrite(dir.resolve("audit.duckdb"));
    Map<ChainKey, Long> offsets = new HashMap<>();
    for (AuditEvent event : events) {
      offsets.merge(event.chain(), event.sourceOffset() + 1, Math::max);
    }
    store.append(events, offsets);
    return store;
  }

  static List<AuditEvent> why(AuditStore store, String id) {
    return new AuditQueries(store).why(id, 1000);
  }
}
