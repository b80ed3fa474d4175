package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Actor;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.EventParts;
import io.tokenwatch.issuer.GrantLocks;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.RefreshGrantStore;
import io.tokenwatch.issuer.RefreshTokens;
import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.policy.Binding;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Decision;
import io.tokenwatch.issuer.policy.IssuanceRules;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.revocation.RevocationCheck;
import io.tokenwatch.issuer.revocation.RevocationService;
import io.tokenwatch.validator.VerifiedToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code refresh_token} with rotation: every refresh hands out a new refresh token and retires the
 * presented one; presenting a retired one revokes the whole grant (RFC 9700). The policy in force
 * and the revocation feed decide again at every refresh: a refresh never widens what the grant
 * holds.
 *
 * <p>Two presentations of one token are a rotation and a reuse, never two rotations, at one
 * instance or at any number of them. On one instance a grant's presentations are judged one at a
 * time under its lock. Across instances the grant log decides: the rotation is a conditional append
 * (see {@link io.tokenwatch.issuer.GrantFold}) and its tokens are handed out only once this
 * instance has read it back and seen that it took effect. A rotation that lost was decided against
 * a token already spent: it is answered as a reuse, and the grant is revoked and sealed before the
 * answer. A token this instance does not know is judged again after reading the grant log to its
 * end, so a token just handed out by another instance is honoured, and a spent one is recognised as
 * reuse. Thread-safe.
 */
final class RefreshGrant implements Grant {

  private static final Logger LOG = LoggerFactory.getLogger(RefreshGrant.class);
  private static final int MAX_GENERATIONS = 1000;

  private final RefreshGrantStore grants;
  private final GrantLocks locks;
  private final RevocationCheck revocationCheck;
  private final RevocationService revocations;
  private final Issuance issuance;
  private final Denials denials;
  private final IssuerMetrics metrics;
  private final String instanceId;

  /**
   * @param grants the shared refresh-grant state
   * @param locks this instance's grant locks, shared with the revocations of grants
   * @param revocationCheck the revocation feed, asked before every refresh
   * @param revocations revokes a grant whose refresh token was reused
   * @param instanceId names this instance in the grant states it writes
   */
  RefreshGrant(
      RefreshGrantStore grants,
      GrantLocks locks,
      RevocationCheck revocationCheck,
      RevocationService revocations,
      Issuance issuance,
      Denials denials,
      IssuerMetrics metrics,
      String instanceId) {
    this.grants = requireNonNull(grants, "grants");
    this.locks = requireNonNull(locks, "locks");
    this.revocationCheck = requireNonNull(revocationCheck, "revocationCheck");
    this.revocations = requireNonNull(revocations, "revocations");
    this.issuance = requireNonNull(issuance, "issuance");
    this.denials = requireNonNull(denials, "denials");
    this.metrics = requireNonNull(metrics, "metrics");
    this.instanceId = requireNonNull(instanceId, "instanceId");
  }

  @Override
  public TokenResponse grant(Attempt attempt, ClientPolicy client, Proofs proofs) {
    String token = attempt.request.param("refresh_token");
    RefreshTokens.Presented presented =
        token == null ? null : RefreshTokens.parse(token).orElse(null);
    if (presented == null) {
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.INVALID_REFRESH_TOKEN,
              OAuthError.INVALID_GRANT,
              "refresh_token is missing or malformed"));
    }
    attempt.grantId = presented.grantId();
    return locks.change(presented.grantId(), () -> rotate(attempt, client, proofs, presented));
  }

  /** Judges and rotates one presentation; the caller holds the grant's lock. */
  private TokenResponse rotate(
      Attempt attempt, ClientPolicy client, Proofs proofs, RefreshTokens.Presented presented) {
    RefreshGrantChanged state = grants.get(presented.grantId()).orElse(null);
    if (state == null || !state.getTokenHashes().contains(presented.hash())) {
      // Another instance may have opened or rotated the grant a moment ago.
      state = grants.latest(presented.grantId()).orElse(null);
    }
    if (state == null || !state.getClientId().equals(client.clientId())) {
      return denials.refuse(attempt, invalid("unknown refresh token"));
    }
    attempt.subject = state.getSubject();
    String requestedAudience = attempt.audience;
    attempt.audience = state.getAudience();
    if (attempt.scopes.isEmpty()) {
      attempt.scopes = state.getScopes();
    }
    List<String> hashes = state.getTokenHashes();
    int index = hashes.indexOf(presented.hash());
    if (index < 0) {
      return denials.refuse(attempt, invalid("unknown refresh token"));
    }
    if (state.getStatus() != RefreshGrantStatus.ACTIVE) {
      return denials.refuse(attempt, invalid("the grant was revoked"));
    }
    if (index != hashes.size() - 1) {
      revocations.revokeGrant(
          attempt.policy,
          state,
          RevocationReason.REFRESH_TOKEN_REUSE,
          "refresh:" + client.clientId(),
          "refresh token of generation "
              + index
              + " presented again after rotation to "
              + state.getGeneration());
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.REFRESH_TOKEN_REUSE,
              OAuthError.INVALID_GRANT,
              "this refresh token was already used; the whole grant is revoked"));
    }
    Instant now = issuance.now();
    Optional<Denial> unusable = unusable(state, now, requestedAudience, proofs);
    if (unusable.isPresent()) {
      return denials.refuse(attempt, unusable.get());
    }
    attempt.parentTokenId = state.getParentTokenId();
    RevocationCheck.Verdict delegation = verdict(state, now);
    if (delegation instanceof RevocationCheck.Verdict.Revoked revoked) {
      closeRevokedGrant(attempt.policy, state, revoked.selector());
    }
    Optional<Decision.Denied> delegationRefused =
        delegation.refusal(
            IssuanceDenyReason.INVALID_REFRESH_TOKEN,
            selector ->
                "the grant is revoked by "
                    + selector
                    + ": every token a refresh would mint is denied");
    if (delegationRefused.isPresent()) {
      return denials.refuse(attempt, Denial.of(delegationRefused.get()));
    }
    List<String> wider = TokenParameters.beyond(attempt.scopes, state.getScopes());
    if (!wider.isEmpty()) {
      return denials.refuse(
          attempt,
          new Denial(
              IssuanceDenyReason.SCOPE_NOT_APPROVED,
              OAuthError.INVALID_SCOPE,
              "scope(s) " + String.join(" ", wider) + " were not granted; a refresh never widens",
              null,
              state.getScopes(),
              false));
    }
    // The policy in force now decides again: a narrowed policy narrows refreshed grants too.
    ChannelBinding bound = state.getChannelBinding();
    Set<Binding> offered = EnumSet.noneOf(Binding.class);
    if (bound.getType() != BindingType.NONE) {
      offered.add(Binding.valueOf(bound.getType().name()));
    }
    Decision decision =
        IssuanceRules.decide(
            client,
            state.getAudience(),
            attempt.scopes,
            attempt.ttl(),
            attempt.maxUses != null ? attempt.maxUses : state.getMaxUses(),
            offered,
            attempt.exceptions,
            attempt.receivedAt);
    if (decision instanceof Decision.Denied denied) {
      return denials.refuse(attempt, Denial.of(denied));
    }
    Decision.Approved approved = (Decision.Approved) decision;
    Issuance.Terms terms =
        new Issuance.Terms(
            attempt,
            client,
            approved,
            now,
            Issuance.earlier(now.plus(approved.ttl()), state.getExpiresAt()),
            state.getSubject(),
            state.getGrantId(),
            actorClaim(state.getActor()),
            state.getParentTokenId(),
            state.getLineage(),
            bound.getThumbprint(),
            "refresh of grant "
                + state.getGrantId()
                + " (generation "
                + (state.getGeneration() + 1)
                + ") under rule "
                + approved.rule().ruleId());
    String newToken = RefreshTokens.newToken(state.getGrantId());
    List<String> newHashes = new ArrayList<>(hashes);
    newHashes.add(Secrets.hash(newToken));
    RefreshGrantChanged rotated =
        RefreshGrantChanged.newBuilder(state)
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(now)
            .setGeneration(state.getGeneration() + 1)
            .setTokenHashes(newHashes)
            .setPolicy(EventParts.policyRef(attempt.policy))
            .setChangedBy(instanceId)
            .setDetail("rotated")
            .build();
    Issuance.Rotation rotation = issuance.rotate(terms, new Issuance.NewGrant(rotated, newToken));
    if (rotation instanceof Issuance.Rotation.Won won) {
      return won.issued();
    }
    RefreshGrantChanged folded = ((Issuance.Rotation.Lost) rotation).folded();
    metrics.refreshRace();
    revocations.revokeLostRotation(
        attempt.policy,
        folded,
        "refresh:" + client.clientId(),
        "refresh token of generation "
            + state.getGeneration()
            + " presented again: its rotation here lost to a rotation read before it");
    return denials.refuse(
        attempt,
        Denial.of(
            IssuanceDenyReason.REFRESH_TOKEN_REUSE,
            OAuthError.INVALID_GRANT,
            "this refresh token was already used; the whole grant is revoked"));
  }

  /**
   * Why the newest token of an active grant still cannot be refreshed: the grant expired or was
   * refreshed too often, the request names another audience, or the proof the grant is bound to is
   * missing.
   */
  private static Optional<Denial> unusable(
      RefreshGrantChanged state, Instant now, @Nullable String requestedAudience, Proofs proofs) {
    if (!state.getExpiresAt().isAfter(now)) {
      return Optional.of(invalid("the grant has expired"));
    }
    if (state.getGeneration() + 1 >= MAX_GENERATIONS) {
      return Optional.of(invalid("the grant was refreshed too often; start a new one"));
    }
    if (requestedAudience != null && !requestedAudience.equals(state.getAudience())) {
      // RFC 8707 2.2: a refresh may name the resource; this grant's tokens have one audience.
      return Optional.of(
          Denial.of(
              IssuanceDenyReason.AUDIENCE_NOT_ALLOWED,
              OAuthError.INVALID_TARGET,
              "the grant's tokens are for " + state.getAudience() + " only"));
    }
    ChannelBinding bound = state.getChannelBinding();
    if (!proves(proofs, bound)) {
      return Optional.of(
          bound.getType() == BindingType.DPOP
              ? Denial.of(
                  IssuanceDenyReason.INVALID_DPOP_PROOF,
                  OAuthError.INVALID_DPOP_PROOF,
                  "the grant is bound to a DPoP key; prove possession of it")
              : Denial.of(
                  IssuanceDenyReason.BINDING_REQUIRED,
                  OAuthError.INVALID_GRANT,
                  "the grant is bound to a client certificate"));
    }
    return Optional.empty();
  }

  /** Whether the request proves the key or certificate the grant is bound to (any, if none). */
  private static boolean proves(Proofs proofs, ChannelBinding bound) {
    return switch (bound.getType()) {
      case DPOP -> bound.getThumbprint().equals(proofs.jkt());
      case MTLS -> bound.getThumbprint().equals(proofs.x5t());
      case NONE, UNKNOWN -> true;
    };
  }

  private static Denial invalid(String detail) {
    return Denial.of(IssuanceDenyReason.INVALID_REFRESH_TOKEN, OAuthError.INVALID_GRANT, detail);
  }

  /** The {@code act} claim of a delegated grant's tokens, null for an undelegated grant. */
  private static @Nullable Map<String, Object> actorClaim(@Nullable Actor actor) {
    if (actor == null) {
      return null;
    }
    Map<String, Object> act = new LinkedHashMap<>();
    act.put("sub", actor.getSubject());
    if (actor.getClientId() != null) {
      act.put("client_id", actor.getClientId());
    }
    return act;
  }

  /**
   * What the revocation feed says about a refresh of {@code state} at {@code now}: revoked when a
   * validator would deny the token it would mint (by its grant, a lineage selector on any token it
   * is delegated from, its subject, client or audience, watermarks judged at {@code now}), or when
   * any token it is delegated from is revoked by its id; undecidable while the feed is not ready or
   * stale.
   */
  private RevocationCheck.Verdict verdict(RefreshGrantChanged state, Instant now) {
    Actor actor = state.getActor();
    ChannelBinding binding = state.getChannelBinding();
    VerifiedToken wouldMint =
        new VerifiedToken(
            Secrets.randomUuid().toString(),
            issuance.issuer(),
            state.getSubject(),
            List.of(state.getAudience()),
            state.getClientId(),
            Set.copyOf(state.getScopes()),
            now,
            now,
            state.getExpiresAt(),
            state.getMaxUses(),
            state.getGrantId(),
            state.getPolicy().getPolicyId(),
            state.getPolicy().getPolicyVersion(),
            binding.getType() == BindingType.DPOP ? binding.getThumbprint() : null,
            binding.getType() == BindingType.MTLS ? binding.getThumbprint() : null,
            actor == null ? null : actor.getSubject(),
            actor == null ? null : actor.getClientId(),
            state.getParentTokenId(),
            state.getLineage(),
            "");
    RevocationCheck.Verdict verdict = revocationCheck.token(wouldMint);
    if (verdict instanceof RevocationCheck.Verdict.Revoked) {
      return verdict;
    }
    return revocationCheck.anyRevokedById(state.getLineage());
  }

  /**
   * Marks a grant REVOKED in the shared grant state once the feed shows it revoked for good (its
   * grant, or a token it is delegated from, by id or lineage), so every instance refuses it without
   * asking the feed again. Best effort: the refusal stands either way, and the feed keeps refusing.
   */
  private void closeRevokedGrant(Policy current, RefreshGrantChanged state, String selector) {
    if (!selector.startsWith("grant:")
        && !selector.startsWith("lineage:")
        && !selector.startsWith("token:")) {
      return; // a subject, client or audience watermark may let a later token through
    }
    try {
      grants.append(
          RefreshGrantChanged.newBuilder(state)
              .setEventId(Secrets.randomUuid().toString())
              .setOccurredAt(issuance.now())
              .setStatus(RefreshGrantStatus.REVOKED)
              .setPolicy(EventParts.policyRef(current))
              .setChangedBy(instanceId)
              .setDetail("revoked by " + selector + ", found at refresh")
              .build());
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("refresh_grant");
      LOG.warn("Could not mark grant {} revoked: {}", state.getGrantId(), e.getMessage());
    }
  }
}
