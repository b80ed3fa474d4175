package io.tokenwatch.schemas;

import io.tokenwatch.events.AccessDecision;
import io.tokenwatch.events.AccessRequestChange;
import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AccessRequestKind;
import io.tokenwatch.events.AccessRequestStatus;
import io.tokenwatch.events.Actor;
import io.tokenwatch.events.AlertAction;
import io.tokenwatch.events.AlertActionKind;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.AppliedRevocation;
import io.tokenwatch.events.AuditChainHead;
import io.tokenwatch.events.AuditCheckpoint;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawalReason;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.events.Evidence;
import io.tokenwatch.events.FeedPosition;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.PendingRevocationDetails;
import io.tokenwatch.events.PolicyChangeSource;
import io.tokenwatch.events.PolicyChanged;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.Severity;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.events.UseDenyReason;
import io.tokenwatch.events.ValidatorStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * One fully populated sample of every event type: every optional field set, every collection
 * non-empty, every value fixed, so tests can compare round trips and golden bytes. Each call
 * returns a fresh record (its collections are immutable).
 *
 * <p>The samples tell one story: a delegated token is issued, used once too often from an
 * unfamiliar client, revoked, and flagged.
 */
public final class SampleEvents {

  /** When the story starts; every timestamp is derived from it. */
  public static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");

  public static final String TOKEN_ID = "tok-7f3c2a";
  public static final String PARENT_TOKEN_ID = "tok-1b9d04";
  public static final String GRANT_ID = "grant-5e21";
  public static final String SUBJECT = "alice@example.com";
  public static final String CLIENT_ID = "reporting-agent";
  public static final String AUDIENCE = "https://orders.example.com";
  public static final String DPOP_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

  private static final PolicyRef POLICY =
      PolicyRef.newBuilder().setPolicyId("orders-access").setPolicyVersion("7").build();

  private SampleEvents() {}

  /** Every sample, one per event type, in {@link EventTypes#classes()} order. */
  public static List<SpecificRecord> all() {
    return List.of(
        tokenIssued(),
        issuanceDenied(),
        tokenUsed(),
        revocationRequested(),
        revocation(),
        securityAlert(),
        refreshGrantChanged(),
        auditCheckpoint(),
        consentGranted(),
        consentWithdrawn(),
        accessRequestChanged(),
        policyChanged(),
        validatorStatus(),
        alertAction());
  }

  /** The orders gateway's status report after it applied the sample revocation. */
  public static ValidatorStatus validatorStatus() {
    return ValidatorStatus.newBuilder()
        .setEventId("0b7d3e58-1c2a-4f69-9e84-5a3d1f7c2b60")
        .setOccurredAt(T0.plusSeconds(65))
        .setValidatorId("orders-gateway-1")
        .setAudience(AUDIENCE)
        .setStartedAt(T0.minusSeconds(3_600))
        .setSequence(733)
        .setIntervalMs(5_000)
        .setReady(true)
        .setStalenessMs(480L)
        .setLag(0L)
        .setPositions(
            List.of(
                FeedPosition.newBuilder()
                    .setTopic("tokenwatch.revocations")
                    .setPartition(0)
                    .setNextOffset(42)
                    .build(),
                FeedPosition.newBuilder()
                    .setTopic("tokenwatch.revocations")
                    .setPartition(1)
                    .setNextOffset(17)
                    .build()))
        .setLiveRevocations(12)
        .setRecent(
            List.of(
                AppliedRevocation.newBuilder()
                    .setTopic("tokenwatch.revocations")
                    .setPartition(0)
                    .setOffset(41)
                    .setSelector("token:" + TOKEN_ID)
                    .setRecordTimestamp(T0.plusSeconds(61))
                    .setAppliedAt(T0.plusSeconds(61).plusMillis(38))
                    .build()))
        .setRecentDropped(0)
        .setReportsDropped(1)
        .build();
  }

  /** The audit sink's second checkpoint, over two chains. */
  public static AuditCheckpoint auditCheckpoint() {
    return AuditCheckpoint.newBuilder()
        .setEventId("5d1c0b7e9a3f2e41:2")
        .setOccurredAt(T0.plusSeconds(120))
        .setNumber(2)
        .setPreviousDigest("1f".repeat(32))
        .setDigest("2e".repeat(32))
        .setKeyId("5d1c0b7e9a3f2e41")
        .setPublicKey("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE")
        .setRecords(1_042)
        .setHeads(
            List.of(
                AuditChainHead.newBuilder()
                    .setTopic("tokenwatch.token-issued")
                    .setPartition(0)
                    .setSeq(41)
                    .setHash("3c".repeat(32))
                    .build(),
                AuditChainHead.newBuilder()
                    .setTopic("tokenwatch.token-used")
                    .setPartition(0)
                    .setSeq(999)
                    .setHash("4d".repeat(32))
                    .build()))
        .setSignature("c2lnbmF0dXJl")
        .build();
  }

  /** A delegated, DPoP-bound, use-limited token. */
  public static TokenIssued tokenIssued() {
    return TokenIssued.newBuilder()
        .setEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a01")
        .setOccurredAt(T0)
        .setTokenId(TOKEN_ID)
        .setIssuer("https://issuer.example.com")
        .setSubject(SUBJECT)
        .setClientId(CLIENT_ID)
        .setAudience(AUDIENCE)
        .setScopes(List.of("orders:read", "orders:export"))
        .setIssuedAt(T0)
        .setNotBefore(T0)
        .setExpiresAt(T0.plus(Duration.ofMinutes(5)))
        .setMaxUses(3)
        .setGrantId(GRANT_ID)
        .setGrantType(GrantType.TOKEN_EXCHANGE)
        .setParentTokenId(PARENT_TOKEN_ID)
        .setLineage(List.of(PARENT_TOKEN_ID, "tok-00a1e7"))
        .setActor(Actor.newBuilder().setSubject("agent-42").setClientId(CLIENT_ID).build())
        .setChannelBinding(
            ChannelBinding.newBuilder().setType(BindingType.DPOP).setThumbprint(DPOP_JKT).build())
        .setPolicy(policy())
        .setRuleId("agents-may-read-orders")
        .setGrantedBy("client:" + CLIENT_ID)
        .setReason("reporting agent acts for alice to export her orders")
        .setSigningKeyId("es256-2025-02")
        .build();
  }

  /** A token exchange refused for asking more scopes than the subject token has. */
  public static IssuanceDenied issuanceDenied() {
    return IssuanceDenied.newBuilder()
        .setEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a02")
        .setOccurredAt(T0.plusSeconds(1))
        .setClientId(CLIENT_ID)
        .setSubject(SUBJECT)
        .setAudience(AUDIENCE)
        .setGrantType(GrantType.TOKEN_EXCHANGE)
        .setRequestedScopes(List.of("orders:read", "orders:delete"))
        .setAllowedScopes(List.of("orders:read", "orders:export"))
        .setRequestedTtlSeconds(3600L)
        .setRequestedMaxUses(100)
        .setError("invalid_scope")
        .setReason(IssuanceDenyReason.DELEGATION_WIDENS_SCOPE)
        .setDetail("orders:delete is not in the subject token's scopes")
        .setRuleId("agents-may-read-orders")
        .setPolicy(policy())
        .setSourceAddress("203.0.113.7")
        .setParentTokenId(PARENT_TOKEN_ID)
        .setGrantId(GRANT_ID)
        .build();
  }

  /** The fourth use of a token limited to three, presented by another client. */
  public static TokenUsed tokenUsed() {
    return TokenUsed.newBuilder()
        .setEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a03")
        .setOccurredAt(T0.plusSeconds(30))
        .setTokenId(TOKEN_ID)
        .setSubject(SUBJECT)
        .setTokenClientId(CLIENT_ID)
        .setPresentedClientId("unknown-crawler")
        .setBindingThumbprint(DPOP_JKT)
        .setSourceAddress("198.51.100.23")
        .setValidatorId("orders-gateway/host-3")
        .setResource("GET /orders/42")
        .setRequiredScopes(List.of("orders:read"))
        .setTokenScopes(List.of("orders:read", "orders:export"))
        .setDecision(UseDecision.DENIED)
        .setDenyReason(UseDenyReason.MAX_USES_EXCEEDED)
        .setDetail("use 4 of at most 3")
        .setUseCount(4L)
        .setMaxUses(3)
        .setTokenExpiresAt(T0.plus(Duration.ofMinutes(5)))
        .setGrantId(GRANT_ID)
        .setRouteRule("orders-read")
        .setRouteTableVersion("routes-sha256-9c1e")
        .build();
  }

  /** An administrator revokes every token of the subject issued before a watermark. */
  public static RevocationRequested revocationRequested() {
    return RevocationRequested.newBuilder()
        .setEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a04")
        .setOccurredAt(T0.plusSeconds(60))
        .setSelector(subjectWatermark())
        .setReason(RevocationReason.COMPROMISED)
        .setRequestedBy("admin:bob@example.com")
        .setDetail("alice reported a stolen laptop")
        .setPolicy(policy())
        .setForgetAfter(T0.plus(Duration.ofMinutes(6)))
        .build();
  }

  /** The revocation feed's record for the request above. */
  public static Revocation revocation() {
    return Revocation.newBuilder()
        .setEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a05")
        .setOccurredAt(T0.plusSeconds(61))
        .setSelector(subjectWatermark())
        .setReason(RevocationReason.COMPROMISED)
        .setRequestedBy("admin:bob@example.com")
        .setSourceEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a04")
        .setForgetAfter(T0.plus(Duration.ofMinutes(6)))
        .setDetail("alice reported a stolen laptop")
        .setUseCount(4L)
        .build();
  }

  /** An alert for the token presented by a client it was not issued to, with auto-response. */
  public static SecurityAlert securityAlert() {
    return SecurityAlert.newBuilder()
        .setEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a06")
        .setOccurredAt(T0.plusSeconds(31))
        .setAlertId("UNFAMILIAR_CLIENT:" + TOKEN_ID)
        .setRule(AlertRule.UNFAMILIAR_CLIENT)
        .setSeverity(Severity.HIGH)
        .setSubject(SUBJECT)
        .setClientId(CLIENT_ID)
        .setTokenId(TOKEN_ID)
        .setGrantId(GRANT_ID)
        .setSummary("token issued to reporting-agent presented by unknown-crawler")
        .setEvidence(
            Evidence.newBuilder()
                .setEventIds(List.of("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a03"))
                .setCount(1L)
                .setFirstSeen(T0.plusSeconds(30))
                .setLastSeen(T0.plusSeconds(30))
                .setObserved(Map.of("presented_client_id", "unknown-crawler"))
                .setThresholds(Map.of("max_foreign_presentations", "0"))
                .build())
        .setAutoResponse(
            RevocationSelector.newBuilder()
                .setKind(SelectorKind.GRANT)
                .setValue(GRANT_ID)
                .setIssuedBefore(T0.plusSeconds(31))
                .build())
        .setRevision(1)
        .setCovers(List.of("source:203.0.113.7", "subject:" + SUBJECT, "token:" + TOKEN_ID))
        .build();
  }

  /** A DPoP-bound delegated grant after its second rotation. */
  public static RefreshGrantChanged refreshGrantChanged() {
    return RefreshGrantChanged.newBuilder()
        .setEventId("0b6f1f4e-7d1a-4c39-9a0e-2f5d8c1b3a07")
        .setOccurredAt(T0.plusSeconds(600))
        .setGrantId(GRANT_ID)
        .setStatus(RefreshGrantStatus.ACTIVE)
        .setGeneration(2L)
        .setTokenHashes(
            List.of(
                "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg",
                "2jmj7l5rSw0yVb_vlWAYkK_YBwk_ZrUoPpQ1cDsIW3o",
                "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"))
        .setClientId(CLIENT_ID)
        .setSubject(SUBJECT)
        .setAudience(AUDIENCE)
        .setScopes(List.of("orders:read"))
        .setExpiresAt(T0.plus(Duration.ofHours(8)))
        .setMaxUses(5)
        .setChannelBinding(
            ChannelBinding.newBuilder().setType(BindingType.DPOP).setThumbprint(DPOP_JKT).build())
        .setActor(Actor.newBuilder().setSubject(CLIENT_ID).setClientId(CLIENT_ID).build())
        .setParentTokenId(PARENT_TOKEN_ID)
        .setLineage(List.of(PARENT_TOKEN_ID))
        .setGrantType(GrantType.TOKEN_EXCHANGE)
        .setPolicy(policy())
        .setChangedBy("issuer-1")
        .setDetail("rotated")
        .build();
  }

  private static RevocationSelector subjectWatermark() {
    return RevocationSelector.newBuilder()
        .setKind(SelectorKind.SUBJECT)
        .setValue(SUBJECT)
        .setIssuedBefore(T0.plusSeconds(60))
        .build();
  }

  private static PolicyRef policy() {
    return PolicyRef.newBuilder(POLICY).build();
  }

  /** Alice lets the reporting agent read her orders for a week. */
  public static ConsentGranted consentGranted() {
    return ConsentGranted.newBuilder()
        .setEventId("b3c1e7a0-5d2f-4c8e-9a61-0f4b2d7e8c13")
        .setOccurredAt(T0)
        .setConsentId("cns-7Qm2")
        .setUser("alice")
        .setLogin("local")
        .setClientId("reporting-agent")
        .setAudience("https://orders.example.com")
        .setRequestedScopes(List.of("orders:read", "orders:export"))
        .setGrantedScopes(List.of("orders:read"))
        .setPurpose("Weekly sales report")
        .setExpiresAt(T0.plusSeconds(7 * 86_400))
        .setRedirectUri("https://agent.example.com/callback")
        .setPolicy(
            PolicyRef.newBuilder().setPolicyId("tokenwatch-sample").setPolicyVersion("v1").build())
        .setRuleId("clients.reporting-agent.audiences[https://orders.example.com]")
        .build();
  }

  /** Alice withdraws that consent. */
  public static ConsentWithdrawn consentWithdrawn() {
    return ConsentWithdrawn.newBuilder()
        .setEventId("c4d2f8b1-6e3a-4d9f-8b72-1a5c3e8f9d24")
        .setOccurredAt(T0.plusSeconds(3_600))
        .setConsentId("cns-7Qm2")
        .setUser("alice")
        .setClientId("reporting-agent")
        .setWithdrawnBy("alice")
        .setReason(ConsentWithdrawalReason.USER_WITHDREW)
        .setRevocationSelector("grant:cns-7Qm2")
        .setDetail("withdrawn from the consent page")
        .build();
  }

  /** Bob asks for bulk export for the reporting agent; Carol approved, a second approval is due. */
  public static AccessRequestChanged accessRequestChanged() {
    return AccessRequestChanged.newBuilder()
        .setEventId("d5e3a9c2-7f4b-4e0a-9c83-2b6d4f9a0e35")
        .setOccurredAt(T0.plusSeconds(60))
        .setRequestId("req-42")
        .setChange(AccessRequestChange.APPROVED)
        .setActor("carol")
        .setKind(AccessRequestKind.SCOPE)
        .setRequester("bob")
        .setClientId("reporting-agent")
        .setAudience("https://orders.example.com")
        .setScopes(List.of("orders:export"))
        .setRisk("high")
        .setPurpose("Quarter-end export")
        .setDurationSeconds(86_400)
        .setPolicyDigest("sha256-3f0a")
        .setApprovalsRequired(2)
        .setApprovals(
            List.of(
                AccessDecision.newBuilder()
                    .setPerson("carol")
                    .setDecidedAt(T0.plusSeconds(60))
                    .setComment("ok for the quarter")
                    .build()))
        .setRefusal(
            AccessDecision.newBuilder()
                .setPerson("dave")
                .setDecidedAt(T0.plusSeconds(90))
                .setComment("too broad")
                .build())
        .setReviews(
            List.of(
                AccessDecision.newBuilder()
                    .setPerson("erin")
                    .setDecidedAt(T0.plusSeconds(120))
                    .setComment("reviewed")
                    .build()))
        .setStatus(AccessRequestStatus.PENDING)
        .setExceptionId("exc-42")
        .setExceptionUntil(T0.plusSeconds(86_460))
        .setDetail("1 of 2 approvals")
        // Only REVOCATION requests carry it; filled here so the round trip covers every field.
        .setRevocation(
            PendingRevocationDetails.newBuilder()
                .setKind("subject")
                .setValue("alice")
                .setIssuedBefore(T0.plusSeconds(30))
                .setReason("COMPROMISED")
                .setReasonDetail("laptop stolen")
                .setRequestedBy("person:rita;via:http://localhost:9500")
                .setRequestedAt(T0.plusSeconds(30))
                .setExpiresAt(T0.plusSeconds(86_430))
                .setDecidedBy("person:rob;via:http://localhost:9500")
                .setRevocationEventId("5b1d7c8e-2f34-4a6b-9d0e-8c7f6a5b4d3e")
                .build())
        .build();
  }

  /** The second version of the sample policy, from a file edit. */
  public static PolicyChanged policyChanged() {
    return PolicyChanged.newBuilder()
        .setEventId("e6f4b0d3-8a5c-4f1b-0d94-3c7e5a0b1f46")
        .setOccurredAt(T0.plusSeconds(120))
        .setPolicyId("tokenwatch-sample")
        .setVersion(2)
        .setDigest("v2")
        .setPreviousVersion(1L)
        .setSource(PolicyChangeSource.FILE_RELOAD)
        .setAuthor("policy-file")
        .setDiff(
            "- client orders-service: scope orders:write for https://orders.example.com (medium)")
        .setDocument("policy_id: tokenwatch-sample\n")
        .setApprovals(List.of("req-41 approved by carol, dave"))
        .setRolledBackTo(1L)
        .build();
  }

  /**
   * Rita suppresses the sample alert's rule on its subject and client for a day (every field set,
   * the assignee too, which only an ASSIGN carries in practice, so round trips cover it).
   */
  public static AlertAction alertAction() {
    return AlertAction.newBuilder()
        .setEventId("f7a5c1e4-9b6d-4a2c-8e05-4d8f6b1c2a57")
        .setOccurredAt(T0.plusSeconds(300))
        .setAlertId(securityAlert().getAlertId())
        .setAction(AlertActionKind.SUPPRESS)
        .setActor("rita")
        .setAssignee("rob")
        .setReason("known migration of the reporting agent")
        .setSuppressUntil(T0.plusSeconds(86_700))
        .setRule(securityAlert().getRule().name())
        .setSubject(securityAlert().getSubject())
        .setClientId(securityAlert().getClientId())
        .build();
  }
}
