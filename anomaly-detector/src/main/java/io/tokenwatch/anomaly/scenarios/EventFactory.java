package io.tokenwatch.anomaly.scenarios;

import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.events.UseDenyReason;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Builds the events of the scenarios as the issuer, validators and revocation stream would, with
 * event ids drawn from a seeded random source so a scenario is the same on every run. Not
 * thread-safe.
 */
public final class EventFactory {

  private static final PolicyRef POLICY =
      PolicyRef.newBuilder().setPolicyId("default").setPolicyVersion("v1").build();

  private final Random random;

  public EventFactory(long seed) {
    this.random = new Random(seed);
  }

  /** A fresh id, deterministic for the seed. */
  public String id() {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  /** A token issued to {@code client} for {@code subject}. */
  public Input issued(
      String tokenId,
      String subject,
      String client,
      String grantId,
      List<String> scopes,
      Instant at,
      Duration ttl,
      @Nullable Integer maxUses,
      GrantType grantType) {
    TokenIssued event =
        TokenIssued.newBuilder()
            .setEventId(id())
            .setOccurredAt(at)
            .setTokenId(tokenId)
            .setIssuer("https://issuer.example")
            .setSubject(subject)
            .setClientId(client)
            .setAudience("api")
            .setScopes(scopes)
            .setIssuedAt(at)
            .setNotBefore(at)
            .setExpiresAt(at.plus(ttl))
            .setMaxUses(maxUses)
            .setGrantId(grantId)
            .setGrantType(grantType)
            .setParentTokenId(null)
            .setLineage(List.of())
            .setActor(null)
            .setChannelBinding(ChannelBinding.newBuilder().setType(BindingType.NONE).build())
            .setPolicy(POLICY)
            .setRuleId("rule-" + client)
            .setGrantedBy(client)
            .setReason("policy approved")
            .setSigningKeyId("key-1")
            .build();
    return new Input(Topics.TOKEN_ISSUED.name(), tokenId, event, at);
  }

  /** A validator's decision on a use of a token. */
  public Input used(Use use) {
    TokenUsed event =
        TokenUsed.newBuilder()
            .setEventId(id())
            .setOccurredAt(use.at)
            .setTokenId(use.tokenId)
            .setSubject(use.subject)
            .setTokenClientId(use.client)
            .setPresentedClientId(use.presentedBy)
            .setBindingThumbprint(use.bindingKey)
            .setSourceAddress(use.source)
            .setValidatorId(use.validator)
            .setResource("GET /items")
            .setRequiredScopes(use.required)
            .setTokenScopes(use.scopes)
            .setDecision(use.deny == null ? UseDecision.ALLOWED : UseDecision.DENIED)
            .setDenyReason(use.deny)
            .setDetail(use.deny == null ? null : use.deny.name().toLowerCase(Locale.ROOT))
            .setUseCount(use.useCount)
            .setMaxUses(use.maxUses)
            .setTokenExpiresAt(use.expiresAt)
            .setGrantId(use.grantId)
            .build();
    return new Input(Topics.TOKEN_USED.name(), use.tokenId, event, use.at);
  }

  /** A refused token request. */
  public Input denied(
      String client,
      @Nullable String subject,
      IssuanceDenyReason reason,
      GrantType grantType,
      List<String> requested,
      List<String> allowed,
      @Nullable String grantId,
      Instant at) {
    IssuanceDenied event =
        IssuanceDenied.newBuilder()
            .setEventId(id())
            .setOccurredAt(at)
            .setClientId(client)
            .setSubject(subject)
            .setAudience("api")
            .setGrantType(grantType)
            .setRequestedScopes(requested)
            .setAllowedScopes(allowed)
            .setError("invalid_scope")
            .setReason(reason)
            .setDetail("refused: " + reason.name().toLowerCase(Locale.ROOT))
            .setRuleId(null)
            .setPolicy(POLICY)
            .setSourceAddress(null)
            .setParentTokenId(null)
            .setGrantId(grantId)
            .build();
    return new Input(Topics.ISSUANCE_DENIED.name(), client, event, at);
  }

  /** A revocation request, as the issuer's API or its refresh-reuse detection writes it. */
  public Input requested(
      SelectorKind kind, String value, RevocationReason reason, String requestedBy, Instant at) {
    RevocationRequested event =
        RevocationRequested.newBuilder()
            .setEventId(id())
            .setOccurredAt(at)
            .setSelector(selector(kind, value))
            .setReason(reason)
            .setRequestedBy(requestedBy)
            .setDetail(null)
            .build();
    return new Input(Topics.REVOCATION_REQUESTS.name(), key(kind, value), event, at);
  }

  /** A revocation in force on the feed, as the revocation stream writes it. */
  public Input revocation(
      SelectorKind kind, String value, RevocationReason reason, Instant at, Instant forgetAfter) {
    Revocation event =
        Revocation.newBuilder()
            .setEventId(id())
            .setOccurredAt(at)
            .setSelector(selector(kind, value))
            .setReason(reason)
            .setRequestedBy("admin@example")
            .setSourceEventId(null)
            .setForgetAfter(forgetAfter)
            .setDetail(null)
            .setUseCount(null)
            .build();
    return new Input(Topics.REVOCATIONS.name(), key(kind, value), event, at);
  }

  private static RevocationSelector selector(SelectorKind kind, String value) {
    return RevocationSelector.newBuilder()
        .setKind(kind)
        .setValue(value)
        .setIssuedBefore(null)
        .build();
  }

  private static String key(SelectorKind kind, String value) {
    return kind.name().toLowerCase(Locale.ROOT) + ":" + value;
  }

  /** A use, with the fields a validator fills; mutable for brevity in scenarios. */
  public static final class Use {
    String tokenId;
    String subject;
    String client;
    Instant at;
    String source = "10.0.0.1";
    String validator = "gateway-1";
    @Nullable String presentedBy;
    @Nullable String bindingKey;
    List<String> required = List.of();
    List<String> scopes = List.of();
    @Nullable UseDenyReason deny;
    long useCount = 1;
    @Nullable Integer maxUses;
    @Nullable Instant expiresAt;
    @Nullable String grantId;

    public Use(String tokenId, String subject, String client, Instant at) {
      this.tokenId = tokenId;
      this.subject = subject;
      this.client = client;
      this.at = at;
    }

    public Use from(String sourceAddress) {
      this.source = sourceAddress;
      return this;
    }

    public Use by(String validatorId) {
      this.validator = validatorId;
      return this;
    }

    public Use presentedBy(String clientId) {
      this.presentedBy = clientId;
      return this;
    }

    public Use provedKey(String thumbprint) {
      this.bindingKey = thumbprint;
      return this;
    }

    public Use denied(UseDenyReason reason) {
      this.deny = reason;
      return this;
    }

    public Use scopes(List<String> required, List<String> carried) {
      this.required = required;
      this.scopes = carried;
      return this;
    }

    public Use limits(@Nullable Integer max, long count) {
      this.maxUses = max;
      this.useCount = count;
      return this;
    }

    public Use token(Instant expires, String grant) {
      this.expiresAt = expires;
      this.grantId = grant;
      return this;
    }
  }
}
