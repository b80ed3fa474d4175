package io.tokenwatch.revocation.kafka;

import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Events built with the generated builders, with sensible defaults. */
public final class TestEvents {

  private TestEvents() {}

  public static TokenIssued.Builder issued(String jti, Instant issuedAt, Duration ttl) {
    return TokenIssued.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(issuedAt)
        .setTokenId(jti)
        .setIssuer("https://issuer.example")
        .setSubject("alice")
        .setClientId("orders-app")
        .setAudience("orders-api")
        .setScopes(List.of("orders:read"))
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpiresAt(issuedAt.plus(ttl))
        .setMaxUses(null)
        .setGrantId("grant-" + jti)
        .setGrantType(GrantType.CLIENT_CREDENTIALS)
        .setParentTokenId(null)
        .setLineage(List.of())
        .setActor(null)
        .setChannelBinding(ChannelBinding.newBuilder().setType(BindingType.NONE).build())
        .setPolicy(PolicyRef.newBuilder().setPolicyId("default").setPolicyVersion("v1").build())
        .setRuleId("rule-1")
        .setGrantedBy("orders-app")
        .setReason("client credentials")
        .setSigningKeyId("key-1");
  }

  public static TokenUsed used(
      String jti, Instant at, UseDecision decision, @Nullable Instant tokenExpiresAt) {
    return TokenUsed.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(at)
        .setTokenId(jti)
        .setSubject("alice")
        .setTokenClientId("orders-app")
        .setValidatorId("gateway-1")
        .setResource("GET /orders/42")
        .setRequiredScopes(List.of("orders:read"))
        .setTokenScopes(List.of("orders:read"))
        .setDecision(decision)
        .setDenyReason(null)
        .setUseCount(1)
        .setTokenExpiresAt(tokenExpiresAt)
        .build();
  }

  public static RevocationRequested requested(
      SelectorKind kind, String value, @Nullable Instant issuedBefore, Instant at) {
    return RevocationRequested.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(at)
        .setSelector(
            RevocationSelector.newBuilder()
                .setKind(kind)
                .setValue(value)
                .setIssuedBefore(issuedBefore)
                .build())
        .setReason(RevocationReason.ADMIN)
        .setRequestedBy("admin@example")
        .build();
  }

  public static String key(SelectorKind kind, String value) {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + value;
  }
}
