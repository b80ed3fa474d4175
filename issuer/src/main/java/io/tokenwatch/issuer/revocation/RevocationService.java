package io.tokenwatch.issuer.revocation;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jwt.JWTClaimsSet;
import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.issuer.Claims;
import io.tokenwatch.issuer.ClientAuthenticator;
import io.tokenwatch.issuer.EventLog;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.EventParts;
import io.tokenwatch.issuer.GrantLocks;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.PresentedCredentials;
import io.tokenwatch.issuer.RefreshGrantStore;
import io.tokenwatch.issuer.RefreshTokens;
import io.tokenwatch.issuer.RevocationReceipt;
import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.schemas.revocation.FeedKey;
import io.tokenwatch.schemas.revocation.SelectorRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Revocations the issuer records: by a client (RFC 7009), by an admin (any selector, with a
 * watermark), and of a refresh grant whose token was reused. Every revocation goes to the request
 * topic and, the same record the revocation stream will derive, to the fast path validators follow,
 * so they deny at once. A grant's state becomes REVOKED first, under its {@link GrantLocks} lock,
 * so no instance refreshes it again. Thread-safe.
 */
public final class RevocationService {

  private final Supplier<Policy> policy;
  private final OwnTokens ownTokens;
  private final EventLog events;
  private final RefreshGrantStore grants;
  private final GrantLocks locks;
  private final IssuerMetrics metrics;
  private final Clock clock;
  private final String instanceId;
  private final Duration ttlCeiling;

  /**
   * Registers itself with {@code grants} to seal a grant whose losing rotation its writer left
   * unsealed.
   *
   * @param policy the policy in force, read on every request
   * @param ownTokens verifies tokens this issuer signed
   * @param events where revocations go
   * @param grants the shared refresh-grant state
   * @param locks the locks refreshes of the same grants take
   * @param metrics the issuer's meters
   * @param clock the time source
   * @param instanceId names this instance in grant states
   * @param ttlCeiling the longest lifetime any token can have; revocation records rely on it
   */
  public RevocationService(
      Supplier<Policy> policy,
      OwnTokens ownTokens,
      EventLog events,
      RefreshGrantStore grants,
      GrantLocks locks,
      IssuerMetrics metrics,
      Clock clock,
      String instanceId,
      Duration ttlCeiling) {
    this.policy = requireNonNull(policy, "policy");
    this.ownTokens = requireNonNull(ownTokens, "ownTokens");
    this.events = requireNonNull(events, "events");
    this.grants = requireNonNull(grants, "grants");
    this.locks = requireNonNull(locks, "locks");
    this.metrics = requireNonNull(metrics, "metrics");
    this.clock = requireNonNull(clock, "clock");
    this.instanceId = requireNonNull(instanceId, "instanceId");
    this.ttlCeiling = requireNonNull(ttlCeiling, "ttlCeiling");
    grants.onUnsealed(this::sealLostGrant);
  }

  /** The longest lifetime any token can have; a retired signing key stays published this long. */
  public Duration ttlCeiling() {
    return ttlCeiling;
  }

  /**
   * Client revocation (RFC 7009): revoking a refresh token revokes its grant; revoking an access
   * token revokes that token. Unknown or invalid tokens are accepted and ignored, as the RFC asks.
   *
   * @throws EventLogUnavailableException when the revocation cannot be recorded
   */
  public RevocationOutcome revokeByClient(
      PresentedCredentials credentials, String token, @Nullable String tokenTypeHint) {
    Policy current = policy.get();
    ClientAuthenticator.Result auth = ClientAuthenticator.authenticate(current, credentials);
    if (auth instanceof ClientAuthenticator.Result.Failed) {
      return new RevocationOutcome.Refused(
          OAuthError.INVALID_CLIENT, "client authentication failed", credentials.basic());
    }
    ClientPolicy client = ((ClientAuthenticator.Result.Authenticated) auth).client();
    Optional<RefreshTokens.Presented> refresh = RefreshTokens.parse(token);
    if (refresh.isPresent()) {
      RefreshTokens.Presented presented = refresh.get();
      return locks.change(
          presented.grantId(), () -> revokeRefreshToken(current, client, presented));
    }
    Optional<JWTClaimsSet> claims = ownTokens.verify(token, false);
    if (claims.isEmpty()) {
      return new RevocationOutcome.Accepted("none");
    }
    if (!client.clientId().equals(Claims.string(claims.get(), "client_id"))) {
      return new RevocationOutcome.Refused(
          OAuthError.UNAUTHORIZED_CLIENT, "the token was not issued to this client", false);
    }
    // A lineage selector covers the token and every token delegated from it (RFC 7009 section 2:
    // revoking a token may revoke related ones). Delegated tokens never outlive their parent, so
    // the parent's expiry bounds the record's life too.
    String jti = requireNonNull(claims.get().getJWTID());
    RevocationReceipt receipt =
        publishRevocation(
            current,
            SelectorKind.LINEAGE,
            jti,
            null,
            RevocationReason.CLIENT_REQUEST,
            "client:" + client.clientId(),
            "client revoked its access token and every token delegated from it",
            claims.get().getExpirationTime().toInstant(),
            clock.instant());
    return new RevocationOutcome.Accepted("lineage:" + jti, receipt);
  }

  /** Revokes the grant of a refresh token its client presents; the caller holds the grant lock. */
  private RevocationOutcome revokeRefreshToken(
      Policy current, ClientPolicy client, RefreshTokens.Presented presented) {
    RefreshGrantChanged state = grants.get(presented.grantId()).orElse(null);
    if (state == null || !state.getTokenHashes().contains(presented.hash())) {
      return new RevocationOutcome.Accepted("none");
    }
    if (!state.getClientId().equals(client.clientId())) {
      return new RevocationOutcome.Refused(
          OAuthError.UNAUTHORIZED_CLIENT, "the token was not issued to this client", false);
    }
    revokeGrant(
        current,
        state,
        RevocationReason.CLIENT_REQUEST,
        "client:" + client.clientId(),
        "client revoked its refresh token");
    return new RevocationOutcome.Accepted("grant:" + state.getGrantId());
  }

  /**
   * Records an admin revocation. Everything is checked first (the watermark against {@link
   * SelectorRules}, relative to the request time stamped on the event), so a refused request has no
   * effect at all. Then a grant's state becomes REVOKED, and the revocation is published: the
   * request, and the same revocation on the fast path (see {@link #publishRevocation}), whatever
   * its kind.
   *
   * @return the selector key, or the refusal ({@code invalid_request}) of a watermark the
   *     revocation stream would not apply
   * @throws EventLogUnavailableException when the revocation cannot be recorded
   */
  public RevocationOutcome revokeByAdmin(AdminRevocation revocation) {
    requireNonNull(revocation, "revocation");
    Policy current = policy.get();
    // The event carries milliseconds: the stream judges the watermark against this very instant.
    Instant requestedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Optional<String> problem = problem(revocation, requestedAt);
    if (problem.isPresent()) {
      return new RevocationOutcome.Refused(OAuthError.INVALID_REQUEST, problem.get(), false);
    }
    Instant now = requestedAt.truncatedTo(ChronoUnit.SECONDS);
    if (revocation.kind() == SelectorKind.GRANT) {
      locks.run(
          revocation.value(),
          () ->
              grants
                  .get(revocation.value())
                  .filter(state -> state.getStatus() == RefreshGrantStatus.ACTIVE)
                  .ifPresent(
                      state ->
                          grants.append(
                              RefreshGrantChanged.newBuilder(state)
                                  .setEventId(Secrets.randomUuid().toString())
                                  .setOccurredAt(now)
                                  .setStatus(RefreshGrantStatus.REVOKED)
                                  .setChangedBy(instanceId)
                                  .setDetail("revoked by " + revocation.requestedBy())
                                  .build())));
    }
    RevocationReceipt receipt =
        publishRevocation(
            current,
            revocation.kind(),
            revocation.value(),
            revocation.issuedBefore(),
            revocation.reason(),
            revocation.requestedBy(),
            revocation.detail() == null
                ? "revoked by " + revocation.requestedBy()
                : revocation.detail(),
            null,
            requestedAt);
    return new RevocationOutcome.Accepted(
        FeedKey.of(revocation.kind(), revocation.value()), receipt);
  }

  /**
   * What the revocation stream would object to in {@code revocation} if it were requested now (a
   * watermark too far ahead, say), or empty; a pending revocation is checked so when it is asked
   * for, and again when it is approved.
   */
  public Optional<String> problem(AdminRevocation revocation) {
    requireNonNull(revocation, "revocation");
    return problem(revocation, clock.instant().truncatedTo(ChronoUnit.MILLIS));
  }

  private static Optional<String> problem(AdminRevocation revocation, Instant requestedAt) {
    List<SelectorRules.Violation> violations =
        SelectorRules.check(
            revocation.kind(), revocation.value(), revocation.issuedBefore(), requestedAt);
    return violations.isEmpty()
        ? Optional.empty()
        : Optional.of(
            violations.stream()
                .map(SelectorRules.Violation::toString)
                .collect(Collectors.joining("; ")));
  }

  /**
   * Revokes a grant: its state becomes REVOKED (so no instance refreshes it again), and a
   * revocation of {@code grant:<id>} goes to the request topic and straight to the feed. The caller
   * holds the grant's lock.
   *
   * @throws EventLogUnavailableException when the revocation cannot be recorded
   */
  public void revokeGrant(
      Policy current,
      RefreshGrantChanged state,
      RevocationReason reason,
      String requestedBy,
      String detail) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    if (state.getStatus() == RefreshGrantStatus.ACTIVE) {
      RefreshGrantChanged revoked =
          RefreshGrantChanged.newBuilder(state)
              .setEventId(Secrets.randomUuid().toString())
              .setOccurredAt(now)
              .setStatus(RefreshGrantStatus.REVOKED)
              .setPolicy(EventParts.policyRef(current))
              .setChangedBy(instanceId)
              .setDetail(detail)
              .build();
      grants.append(revoked);
    }
    // Every token of the grant was issued before now (refresh is closed from here on): the request
    // time is its watermark, and the record may be forgotten one TTL ceiling after it.
    publishRevocation(
        current,
        SelectorKind.GRANT,
        state.getGrantId(),
        null,
        reason,
        requestedBy,
        detail,
        null,
        clock.instant());
  }

  /**
   * Revokes a grant whose rotation lost in the grant log (its refresh token was presented again
   * after it was spent) and seals it: the revocation of {@code grant:<id>} is published first, then
   * a REVOKED record, so the grant's last record reads REVOKED to a reader that sees it alone. In
   * this order a stop in between leaves the grant unsealed, and whoever seals it later publishes
   * the revocation again (harmless) rather than never. The caller holds the grant's lock.
   *
   * @param folded the grant's folded state, REVOKED by the loss
   * @throws EventLogUnavailableException when either cannot be recorded
   */
  public void revokeLostRotation(
      Policy current, RefreshGrantChanged folded, String requestedBy, String detail) {
    publishRevocation(
        current,
        SelectorKind.GRANT,
        folded.getGrantId(),
        null,
        RevocationReason.REFRESH_TOKEN_REUSE,
        requestedBy,
        detail,
        null,
        clock.instant());
    grants.append(
        RefreshGrantChanged.newBuilder(folded)
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(clock.instant().truncatedTo(ChronoUnit.SECONDS))
            .setStatus(RefreshGrantStatus.REVOKED)
            .setPolicy(EventParts.policyRef(current))
            .setChangedBy(instanceId)
            .setDetail(detail)
            .build());
  }

  /** Seals a grant whose losing rotation was left unsealed by its writer (it may have stopped). */
  private void sealLostGrant(RefreshGrantChanged folded) {
    locks.run(
        folded.getGrantId(),
        () ->
            revokeLostRotation(
                policy.get(),
                folded,
                "issuer:" + instanceId,
                "a rotation of this grant lost (its refresh token was reused) and its writer did"
                    + " not seal it"));
  }

  /**
   * Records a revocation request and writes the same revocation to the fast path, for every kind,
   * so validators deny at once even while the revocation stream is behind or restarting.
   *
   * <p>The record is the one the stream will derive from the request, never a stronger or weaker
   * one: a grant, subject, client or audience revoked without a watermark gets the request time as
   * its watermark, as the stream would give it (tokens issued later stay valid), and the request
   * carries that watermark explicitly. {@code forget_after}: the known expiry of what the selector
   * names when there is one (a lineage's root), else the watermark (or, without one, now) plus the
   * TTL ceiling: everything a watermark covers was issued before it, so it has expired one ceiling
   * later.
   */
  private RevocationReceipt publishRevocation(
      Policy current,
      SelectorKind kind,
      String value,
      @Nullable Instant issuedBefore,
      RevocationReason reason,
      String requestedBy,
      String detail,
      @Nullable Instant knownExpiry,
      Instant requestedAt) {
    // Milliseconds, as the event carries them: the stream's watermark is this very instant.
    Instant now = requestedAt.truncatedTo(ChronoUnit.MILLIS);
    Instant watermark =
        issuedBefore == null && SelectorRules.defaultsToRequestTimeWatermark(kind)
            ? now
            : issuedBefore;
    Instant forgetAfter =
        knownExpiry != null ? knownExpiry : (watermark == null ? now : watermark).plus(ttlCeiling);
    RevocationSelector selector =
        RevocationSelector.newBuilder()
            .setKind(kind)
            .setValue(value)
            .setIssuedBefore(watermark)
            .build();
    RevocationRequested request =
        RevocationRequested.newBuilder()
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(now)
            .setSelector(selector)
            .setReason(reason)
            .setRequestedBy(requestedBy)
            .setDetail(detail)
            .setPolicy(EventParts.policyRef(current))
            .setForgetAfter(forgetAfter)
            .build();
    Revocation fastPath =
        Revocation.newBuilder()
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(now)
            .setSelector(RevocationSelector.newBuilder(selector).build())
            .setReason(reason)
            .setRequestedBy(requestedBy)
            .setSourceEventId(request.getEventId())
            .setForgetAfter(forgetAfter)
            .setDetail(detail)
            .build();
    try {
      return events.revocation(request, fastPath);
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("revocation");
      throw e;
    }
  }
}
