package io.tokenwatch.reliability;

import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Well-formed events built with the generated builders. */
final class Events {

  static final Duration TTL = Duration.ofMinutes(30);

  private Events() {}

  static TokenIssued.Builder issued(String jti, Instant issuedAt) {
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
        .setExpiresAt(issuedAt.plus(TTL))
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

  static TokenUsed.Builder used(String jti, Instant at, Instant expiresAt) {
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
        .setDecision(UseDecision.ALLOWED)
        .setDenyReason(null)
        .setUseCount(1)
        .setTokenExpiresAt(expiresAt);
  }
}
