package io.tokenwatch.bench.capacity;

import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.AppliedRevocation;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.Evidence;
import io.tokenwatch.events.FeedPosition;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.PolicyRef;
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
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.schemas.revocation.FeedKey;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Events filled the way their producers fill them: the issuer's {@code Issuance} and {@code
 * Denial}, the validator's {@code UsageReporter} and {@code StatusReporter}, the revocation
 * stream's {@code Events}, the detector's {@code AlertRecords}. Identifiers are random UUIDs (as
 * the issuer's jti and every event id are), drawn from a seeded source so runs compare; names and
 * scopes are the lengths of the sample policy's. Not thread-safe.
 */
final class RealisticRecords {

  static final Duration TOKEN_TTL = Duration.ofMinutes(5);
  private static final String ISSUER = "https://issuer.tokenwatch.example";
  private static final PolicyRef POLICY =
      PolicyRef.newBuilder().setPolicyId("tokenwatch-sample").setPolicyVersion("7").build();
  private static final int SUBJECTS = 100_000;
  private static final int CLIENTS = 200;

  private final Random random;
  private final Instant now;

  RealisticRecords(long seed, Instant now) {
    this.random = new Random(seed);
    this.now = now;
  }

  String uuid() {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  private String subject() {
    return "user-" + random.nextInt(SUBJECTS) + "@example.com";
  }

  private String client() {
    return "svc-orders-" + random.nextInt(CLIENTS);
  }

  /** A client-credentials or delegated token as the issuer records it; its id is the jti. */
  TokenIssued issued(String jti) {
    return TokenIssued.newBuilder()
        .setEventId(uuid())
        .setOccurredAt(now)
        .setTokenId(jti)
        .setIssuer(ISSUER)
        .setSubject(subject())
        .setClientId(client())
        .setAudience("https://orders.example.com")
        .setScopes(List.of("orders:export", "orders:read"))
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpiresAt(now.plus(TOKEN_TTL))
        .setMaxUses(null)
        .setGrantId(uuid())
        .setGrantType(GrantType.CLIENT_CREDENTIALS)
        .setParentTokenId(null)
        .setLineage(List.of())
        .setActor(null)
        .setChannelBinding(ChannelBinding.newBuilder().setType(BindingType.NONE).build())
        .setPolicy(POLICY)
        .setRuleId("orders-service-reads")
        .setGrantedBy("svc-orders-gateway")
        .setReason("client credentials within policy")
        .setSigningKeyId("ed25519-2026-11-29T10:00:00Z")
        .build();
  }

  /** An allowed use as a validator's usage reporter records it (sorted scopes, route rule). */
  TokenUsed used(String jti, long useCount) {
    return TokenUsed.newBuilder()
        .setEventId(uuid())
        .setOccurredAt(now)
        .setTokenId(jti)
        .setSubject(subject())
        .setTokenClientId(client())
        .setPresentedClientId(null)
        .setBindingThumbprint(null)
        .setSourceAddress("10.42." + random.nextInt(256) + "." + random.nextInt(256))
        .setValidatorId("orders-gateway-" + random.nextInt(50))
        .setResource("GET /orders/" + random.nextInt(1_000_000))
        .setRequiredScopes(List.of("orders:read"))
        .setTokenScopes(List.of("orders:export", "orders:read"))
        .setDecision(UseDecision.ALLOWED)
        .setUseCount(useCount)
        .setMaxUses(null)
        .setTokenExpiresAt(now.plus(TOKEN_TTL))
        .setGrantId(uuid())
        .setRouteRule("orders-read")
        .setRouteTableVersion("3")
        .build();
  }

  /** A refused token request as the issuer records it. */
  IssuanceDenied denied() {
    return IssuanceDenied.newBuilder()
        .setEventId(uuid())
        .setOccurredAt(now)
        .setClientId(client())
        .setSubject(null)
        .setAudience("https://orders.example.com")
        .setGrantType(GrantType.CLIENT_CREDENTIALS)
        .setRequestedScopes(List.of("orders:read", "orders:write"))
        .setAllowedScopes(List.of("orders:export", "orders:read"))
        .setRequestedTtlSeconds(null)
        .setRequestedMaxUses(null)
        .setError("invalid_scope")
        .setReason(IssuanceDenyReason.SCOPE_NOT_APPROVED)
        .setDetail("scope orders:write is not allowed for this client and audience")
        .setRuleId("orders-service-reads")
        .setPolicy(POLICY)
        .setSourceAddress("10.42." + random.nextInt(256) + "." + random.nextInt(256))
        .setParentTokenId(null)
        .setGrantId(null)
        .build();
  }

  /** An administrator's request to revoke one token. */
  RevocationRequested requested(String jti) {
    return RevocationRequested.newBuilder()
        .setEventId(uuid())
        .setOccurredAt(now)
        .setSelector(selector(jti))
        .setReason(RevocationReason.ADMIN)
        .setRequestedBy("admin@example.com")
        .setDetail("reported lost by its owner")
        .setPolicy(null)
        .setForgetAfter(now.plus(TOKEN_TTL))
        .build();
  }

  /** The revocation of one token as the issuer's fast path and the stream's feed carry it. */
  Revocation revocation(String jti, String sourceEventId) {
    return Revocation.newBuilder()
        .setEventId(uuid())
        .setOccurredAt(now)
        .setSelector(selector(jti))
        .setReason(RevocationReason.ADMIN)
        .setRequestedBy("admin@example.com")
        .setSourceEventId(sourceEventId)
        .setForgetAfter(now.plus(TOKEN_TTL).plus(Duration.ofMinutes(1)))
        .setDetail("reported lost by its owner")
        .setUseCount(null)
        .build();
  }

  static String feedKey(String jti) {
    return FeedKey.of(SelectorKind.TOKEN, jti);
  }

  private static RevocationSelector selector(String jti) {
    return RevocationSelector.newBuilder()
        .setKind(SelectorKind.TOKEN)
        .setValue(jti)
        .setIssuedBefore(null)
        .build();
  }

  /** An alert of the token-spread rule with its evidence, as the detector raises it. */
  SecurityAlert alert(String jti) {
    List<String> evidence = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      evidence.add(uuid());
    }
    Map<String, String> observed = new TreeMap<>();
    observed.put("source_addresses", "5");
    observed.put("networks", "10.42.7.0/24,198.51.100.0/24");
    Map<String, String> thresholds = new TreeMap<>();
    thresholds.put("max_sources", "4");
    thresholds.put("window", "PT10M");
    return SecurityAlert.newBuilder()
        .setEventId(uuid())
        .setOccurredAt(now)
        .setAlertId(uuid())
        .setRule(AlertRule.TOKEN_SPREAD)
        .setSeverity(Severity.HIGH)
        .setSubject(subject())
        .setClientId(client())
        .setTokenId(jti)
        .setGrantId(uuid())
        .setSummary("token presented from 5 source addresses in 2 networks within 10 minutes")
        .setEvidence(
            Evidence.newBuilder()
                .setEventIds(evidence)
                .setCount(5)
                .setFirstSeen(now.minusSeconds(180))
                .setLastSeen(now)
                .setObserved(observed)
                .setThresholds(thresholds)
                .build())
        .setAutoResponse(selector(jti))
        .setRevision(0)
        .setCovers(List.of())
        .build();
  }

  /**
   * A validator's periodic status report: its position on every partition of the feed and the fast
   * path, and the revocations it applied since its previous report ({@code recent}).
   */
  ValidatorStatus status(String validatorId, long sequence, int recentApplied) {
    List<FeedPosition> positions = new ArrayList<>();
    for (String topic : List.of(Topics.REVOCATIONS.name(), Topics.REVOCATION_FAST_PATH.name())) {
      for (int p = 0; p < 3; p++) {
        positions.add(
            FeedPosition.newBuilder()
                .setTopic(topic)
                .setPartition(p)
                .setNextOffset(1_000_000L + random.nextInt(1_000_000))
                .build());
      }
    }
    List<AppliedRevocation> recent = new ArrayList<>();
    for (int i = 0; i < recentApplied; i++) {
      recent.add(
          AppliedRevocation.newBuilder()
              .setTopic(Topics.REVOCATIONS.name())
              .setPartition(random.nextInt(3))
              .setOffset(1_000_000L + random.nextInt(1_000_000))
              .setSelector(feedKey(uuid()))
              .setRecordTimestamp(now)
              .setAppliedAt(now.plusMillis(4))
              .build());
    }
    return ValidatorStatus.newBuilder()
        .setEventId(uuid())
        .setOccurredAt(now)
        .setValidatorId(validatorId)
        .setAudience("https://orders.example.com")
        .setStartedAt(now.minus(Duration.ofHours(3)))
        .setSequence(sequence)
        .setIntervalMs(5_000)
        .setReady(true)
        .setStalenessMs(12L)
        .setLag(0L)
        .setPositions(positions)
        .setLiveRevocations(1_000_000L)
        .setRecent(recent)
        .setRecentDropped(0)
        .setReportsDropped(0)
        .build();
  }
}
