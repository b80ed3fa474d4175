package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.AccessTokenClaims;
import io.tokenwatch.issuer.EventLog;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.EventParts;
import io.tokenwatch.issuer.GrantFold;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.RefreshGrantStore;
import io.tokenwatch.issuer.RefreshTokens;
import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.TokenMinter;
import io.tokenwatch.issuer.policy.Binding;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Decision;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one issuance path every grant ends in: mints the access token, makes its {@code TokenIssued}
 * event and the refresh grant's new state durable (both in flight at once), and only then answers.
 * A client never holds a token whose event is not in the log, nor a refresh token of a rotation the
 * grant log did not let take effect. Thread-safe.
 */
final class Issuance {

  private final TokenMinter minter;
  private final EventLog events;
  private final RefreshGrantStore grants;
  private final IssuerMetrics metrics;
  private final Clock clock;
  private final String issuer;
  private final String instanceId;

  /**
   * @param issuer the issuer URL ({@code iss})
   * @param instanceId names this instance in the grant states it writes
   */
  Issuance(
      TokenMinter minter,
      EventLog events,
      RefreshGrantStore grants,
      IssuerMetrics metrics,
      Clock clock,
      String issuer,
      String instanceId) {
    this.minter = requireNonNull(minter, "minter");
    this.events = requireNonNull(events, "events");
    this.grants = requireNonNull(grants, "grants");
    this.metrics = requireNonNull(metrics, "metrics");
    this.clock = requireNonNull(clock, "clock");
    this.issuer = requireNonNull(issuer, "issuer");
    this.instanceId = requireNonNull(instanceId, "instanceId");
  }

  /**
   * What a grant approved: the token to mint, and why.
   *
   * @param attempt the request, with its policy and grant type
   * @param client the authenticated client the token is for
   * @param approved what policy approved
   * @param issuedAt the issue time, whole seconds
   * @param expiresAt the expiry, whole seconds
   * @param subject the token's {@code sub}
   * @param grantId the grant the token belongs to
   * @param actor the {@code act} claim, null unless delegated
   * @param parentTokenId the token it is delegated from, if any
   * @param lineage every token it is delegated from, nearest first
   * @param thumbprint the key or certificate thumbprint offered for the binding, if any
   * @param reason why it is issued, in plain language, for the audit trail
   */
  record Terms(
      Attempt attempt,
      ClientPolicy client,
      Decision.Approved approved,
      Instant issuedAt,
      Instant expiresAt,
      String subject,
      String grantId,
      @Nullable Map<String, Object> actor,
      @Nullable String parentTokenId,
      List<String> lineage,
      @Nullable String thumbprint,
      String reason) {}

  /** A refresh grant's state to save with the issuance, and the refresh token to hand out. */
  record NewGrant(RefreshGrantChanged state, String refreshToken) {}

  /** The issuer URL ({@code iss}). */
  String issuer() {
    return issuer;
  }

  /** Now, in the whole seconds JWT times carry, so events and tokens share instants. */
  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  /** A grant that starts with this token: its first refresh token and its state. */
  NewGrant openGrant(Terms terms, Instant expiresAt, String detail) {
    String refreshToken = RefreshTokens.newToken(terms.grantId());
    Decision.Approved approved = terms.approved();
    RefreshGrantChanged state =
        RefreshGrantChanged.newBuilder()
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(clock.instant())
            .setGrantId(terms.grantId())
            .setStatus(RefreshGrantStatus.ACTIVE)
            .setGeneration(0L)
            .setTokenHashes(List.of(Secrets.hash(refreshToken)))
            .setClientId(terms.client().clientId())
            .setSubject(terms.subject())
            .setAudience(approved.rule().audience())
            .setScopes(approved.scopes())
            .setExpiresAt(expiresAt)
            .setMaxUses(approved.maxUses())
            .setChannelBinding(
                EventParts.channelBinding(
                    approved.binding(),
                    approved.binding() == Binding.NONE ? null : terms.thumbprint()))
            .setActor(EventParts.actor(terms.actor()))
            .setParentTokenId(terms.parentTokenId())
            .setLineage(terms.lineage())
            .setGrantType(terms.attempt().grantType)
            .setPolicy(EventParts.policyRef(terms.attempt().policy))
            .setChangedBy(instanceId)
            .setDetail(detail)
            .build();
    return new NewGrant(state, refreshToken);
  }

  /**
   * Mints, records the issuance durably and, for a token that starts a grant, the grant's first
   * state, and only then answers. Both records are in flight at once.
   *
   * @throws EventLogUnavailableException when either cannot be made durable in time, or the grant
   *     could not be opened (its id is taken)
   */
  TokenResponse.Issued issue(Terms terms, @Nullable NewGrant grant) {
    Prepared prepared = prepare(terms);
    RefreshGrantStore.Append opening = grant == null ? null : sendGrant(grant.state());
    recordIssued(prepared.event());
    if (grant != null && opening != null) {
      GrantFold.Step step = awaitGrant(opening);
      if (step.verdict() != GrantFold.Verdict.OPENED) {
        metrics.produceFailure("refresh_grant");
        throw new EventLogUnavailableException(
            "grant " + grant.state().getGrantId() + " exists already; not opened again");
      }
    }
    return answer(terms, prepared, grant);
  }

  /** A refresh's outcome: the rotation took effect and its tokens are handed out, or it lost. */
  sealed interface Rotation {
    /** The rotation took effect; the answer holds the new tokens. */
    record Won(TokenResponse.Issued issued) implements Rotation {}

    /**
     * The rotation lost in the grant log: the presented token had been spent (or the grant revoked)
     * by a record read before it. Nothing is handed out; {@code folded} is the grant's state, now
     * REVOKED, which the caller must seal and revoke.
     */
    record Lost(RefreshGrantChanged folded) implements Rotation {}
  }

  /**
   * Mints, sends the {@code TokenIssued} event and the rotated grant state at once, waits until
   * both are durable and the rotation has been folded here, and hands the tokens out only if the
   * rotation took effect. A rotation that lost leaves a {@code TokenIssued} event of a token nobody
   * holds, which the revocation of the grant that follows covers.
   *
   * @throws EventLogUnavailableException when either cannot be made durable, or the rotation not
   *     read back, in time
   */
  Rotation rotate(Terms terms, NewGrant rotated) {
    Prepared prepared = prepare(terms);
    RefreshGrantStore.Append rotation = sendGrant(rotated.state());
    recordIssued(prepared.event());
    GrantFold.Step step = awaitGrant(rotation);
    if (step.verdict() != GrantFold.Verdict.ROTATED) {
      return new Rotation.Lost(step.folded().state());
    }
    return new Rotation.Won(answer(terms, prepared, rotated));
  }

  /** A minted token and its event. */
  private record Prepared(AccessTokenClaims claims, TokenMinter.Minted minted, TokenIssued event) {}

  private Prepared prepare(Terms terms) {
    Decision.Approved approved = terms.approved();
    Attempt attempt = terms.attempt();
    Instant iat = terms.issuedAt();
    Instant expiresAt = terms.expiresAt();
    if (approved.notAfter() != null) {
      // Granted under a policy exception: the token never outlives it, whichever grant computed
      // the expiry and however the clock moved since the decision.
      expiresAt = earlier(expiresAt, approved.notAfter());
    }
    AccessTokenClaims claims =
        new AccessTokenClaims(
            issuer,
            terms.subject(),
            approved.rule().audience(),
            iat,
            expiresAt,
            Secrets.randomUuid().toString(),
            terms.client().clientId(),
            approved.scopes(),
            approved.maxUses(),
            terms.grantId(),
            attempt.policy.id(),
            attempt.policy.version(),
            approved.binding(),
            approved.binding() == Binding.NONE ? null : terms.thumbprint(),
            terms.actor(),
            terms.parentTokenId(),
            terms.lineage());
    TokenMinter.Minted minted = minter.mint(claims);
    TokenIssued event =
        TokenIssued.newBuilder()
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(clock.instant())
            .setTokenId(claims.tokenId())
            .setIssuer(issuer)
            .setSubject(claims.subject())
            .setClientId(claims.clientId())
            .setAudience(claims.audience())
            .setScopes(claims.scopes())
            .setIssuedAt(iat)
            .setNotBefore(iat)
            .setExpiresAt(claims.expiresAt())
            .setMaxUses(claims.maxUses())
            .setGrantId(claims.grantId())
            .setGrantType(attempt.grantType)
            .setParentTokenId(claims.parentTokenId())
            .setLineage(claims.lineage())
            .setActor(EventParts.actor(terms.actor()))
            .setChannelBinding(
                EventParts.channelBinding(claims.binding(), claims.bindingThumbprint()))
            .setPolicy(EventParts.policyRef(attempt.policy))
            .setRuleId(approved.rule().ruleId())
            .setGrantedBy(terms.client().clientId())
            .setReason(terms.reason())
            .setSigningKeyId(minted.keyId())
            .build();
    return new Prepared(claims, minted, event);
  }

  private RefreshGrantStore.Append sendGrant(RefreshGrantChanged state) {
    try {
      return grants.send(state);
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("refresh_grant");
      throw e;
    }
  }

  private GrantFold.Step awaitGrant(RefreshGrantStore.Append append) {
    try {
      return append.await();
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("refresh_grant");
      throw e;
    }
  }

  private void recordIssued(TokenIssued event) {
    try {
      events.tokenIssued(event);
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("token_issued");
      throw e;
    }
  }

  private TokenResponse.Issued answer(Terms terms, Prepared prepared, @Nullable NewGrant grant) {
    AccessTokenClaims claims = prepared.claims();
    Decision.Approved approved = terms.approved();
    Attempt attempt = terms.attempt();
    metrics.issued(claims.clientId(), attempt.grantType.name().toLowerCase(Locale.ROOT));
    long expiresIn = Duration.between(terms.issuedAt(), claims.expiresAt()).toSeconds();
    return new TokenResponse.Issued(
        prepared.minted().jwt(),
        approved.binding() == Binding.DPOP ? "DPoP" : "Bearer",
        expiresIn,
        String.join(" ", claims.scopes()),
        grant == null ? null : grant.refreshToken(),
        attempt.grantType == GrantType.TOKEN_EXCHANGE ? TokenService.ACCESS_TOKEN_TYPE : null,
        null);
  }

  /** Signs an OpenID Connect ID token for {@code subject}, to be read by {@code clientId}. */
  String idToken(
      String subject, String clientId, String nonce, Instant authTime, Instant expiresAt) {
    return minter.idToken(issuer, subject, clientId, nonce, authTime, now(), expiresAt);
  }

  /** The earlier of two instants. */
  static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
