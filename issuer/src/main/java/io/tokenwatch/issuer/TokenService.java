package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jwt.JWTClaimsSet;
import io.tokenwatch.events.Actor;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.revocation.FeedKey;
import io.tokenwatch.schemas.revocation.SelectorRules;
import io.tokenwatch.validator.DpopVerifier;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.VerifiedToken;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token endpoint's logic: authenticates the client, checks the request against policy, mints
 * the token, makes its event durable and only then answers. Also client revocation (RFC 7009) and
 * the admin revocation API.
 *
 * <p>Grants: {@code client_credentials}; token exchange (RFC 8693) of an access token of this
 * issuer for a delegated one ({@code act}, scopes within the subject token's and the actor's
 * policy, never outliving the subject token); {@code refresh_token} with rotation on every use,
 * where presenting an already rotated token revokes the whole grant (RFC 9700).
 *
 * <p>Every refusal is recorded as an {@code IssuanceDenied} event (best effort: the refusal stands
 * even if the event cannot be written). Thread-safe.
 */
public final class TokenService {

  /** RFC 8693 grant type. */
  public static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

  /** RFC 8693 token type of access tokens. */
  public static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

  /** RFC 8693 token type of refresh tokens. */
  public static final String REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token";

  private static final Logger LOG = LoggerFactory.getLogger(TokenService.class);
  private static final int MAX_GENERATIONS = 1000;
  private static final int LOCK_STRIPES = 64;

  private final Supplier<Policy> policy;
  private final TokenMinter minter;
  private final OwnTokens ownTokens;
  private final EventLog events;
  private final RefreshGrantStore grants;
  private final DpopVerifier dpop;
  private final IssuerMetrics metrics;
  private final Clock clock;
  private final String issuer;
  private final String instanceId;
  private final Duration ttlCeiling;
  private final RevocationCheck revocations;
  private final Object[] locks = new Object[LOCK_STRIPES];

  /**
   * @param policy the policy in force, read on every request
   * @param minter signs tokens
   * @param ownTokens verifies tokens this issuer signed
   * @param events where events go
   * @param grants the shared refresh-grant state
   * @param dpop verifies DPoP proofs
   * @param metrics the issuer's meters
   * @param clock the time source
   * @param issuer the issuer URL ({@code iss})
   * @param instanceId names this instance in grant states
   * @param ttlCeiling the longest lifetime any token can have; revocation records rely on it
   * @param revocations the revocation feed the validators read, as the issuer follows it: a token
   *     exchange or a refresh is refused when the token it would mint, or any token it is delegated
   *     from, is revoked, and while the feed is not ready or stale
   * @param revocationMaxStaleness the feed counts as stale when last caught up longer ago
   */
  public TokenService(
      Supplier<Policy> policy,
      TokenMinter minter,
      OwnTokens ownTokens,
      EventLog events,
      RefreshGrantStore grants,
      DpopVerifier dpop,
      IssuerMetrics metrics,
      Clock clock,
      String issuer,
      String instanceId,
      Duration ttlCeiling,
      RevocationView revocations,
      Duration revocationMaxStaleness) {
    this.policy = requireNonNull(policy, "policy");
    this.minter = requireNonNull(minter, "minter");
    this.ownTokens = requireNonNull(ownTokens, "ownTokens");
    this.events = requireNonNull(events, "events");
    this.grants = requireNonNull(grants, "grants");
    this.dpop = requireNonNull(dpop, "dpop");
    this.metrics = requireNonNull(metrics, "metrics");
    this.clock = requireNonNull(clock, "clock");
    this.issuer = requireNonNull(issuer, "issuer");
    this.instanceId = requireNonNull(instanceId, "instanceId");
    this.ttlCeiling = requireNonNull(ttlCeiling, "ttlCeiling");
    this.revocations = new RevocationCheck(revocations, clock, revocationMaxStaleness);
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new Object();
    }
    grants.onRace(this::revokeRacedGrant);
  }

  /** What a request was about, gathered as it is read, for the denial event. */
  private static final class Attempt {
    final TokenRequest request;
    String clientId = "(none)";
    GrantType grantType = GrantType.UNKNOWN;
    @Nullable String subject;
    @Nullable String audience;
    List<String> scopes = List.of();
    @Nullable Long ttlSeconds;
    @Nullable Integer maxUses;
    @Nullable String parentTokenId;
    @Nullable String grantId;

    Attempt(TokenRequest request) {
      this.request = request;
    }
  }

  /** Handles one token request; never throws for bad input. */
  public TokenResponse token(TokenRequest request) {
    requireNonNull(request, "request");
    Policy current = policy.get();
    Attempt attempt = new Attempt(request);
    String grantType = request.param("grant_type");
    if (grantType == null) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_REQUEST,
              OAuthError.INVALID_REQUEST,
              "grant_type is required"),
          false);
    }
    attempt.grantType = grantTypeOf(grantType);
    PresentedCredentials credentials = request.credentials();
    if (credentials.clientId() != null) {
      attempt.clientId = credentials.clientId();
    }
    if (attempt.grantType == GrantType.UNKNOWN) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.UNSUPPORTED_GRANT_TYPE,
              OAuthError.UNSUPPORTED_GRANT_TYPE,
              "grant_type " + grantType + " is not supported"),
          false);
    }
    ClientAuthenticator.Result auth = ClientAuthenticator.authenticate(current, credentials);
    if (auth instanceof ClientAuthenticator.Result.Failed failed) {
      attempt.clientId = failed.clientId();
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              failed.reason(), OAuthError.INVALID_CLIENT, "client authentication failed"),
          credentials.basic());
    }
    ClientPolicy client = ((ClientAuthenticator.Result.Authenticated) auth).client();
    attempt.clientId = client.clientId();
    try {
      attempt.audience = requestedAudience(request);
      attempt.scopes = scopes(request.param("scope"));
      attempt.ttlSeconds = positiveLong(request.param("expires_in"), "expires_in");
      Long uses = positiveLong(request.param("max_uses"), "max_uses");
      if (uses != null && uses > Integer.MAX_VALUE) {
        throw new BadParameter("max_uses is too large");
      }
      attempt.maxUses = uses == null ? null : uses.intValue();
    } catch (BadParameter e) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(IssuanceDenyReason.INVALID_REQUEST, e.error, e.getMessage()),
          false);
    }

    Set<Binding> offered = EnumSet.noneOf(Binding.class);
    String jkt = null;
    if (request.dpopProof() != null) {
      DpopVerifier.Result proof =
          dpop.verifyTokenRequest(request.dpopProof(), "POST", request.endpointUrl());
      if (proof instanceof DpopVerifier.Invalid invalid) {
        IssuanceDenyReason reason =
            invalid.reason() == DpopVerifier.Reason.REPLAYED
                ? IssuanceDenyReason.DPOP_PROOF_REPLAYED
                : IssuanceDenyReason.INVALID_DPOP_PROOF;
        return deny(
            current,
            attempt,
            Decision.Denied.of(reason, OAuthError.INVALID_DPOP_PROOF, invalid.detail()),
            false);
      }
      jkt = ((DpopVerifier.Valid) proof).jkt();
      offered.add(Binding.DPOP);
    }
    String x5t = credentials.mtlsThumbprint();
    if (x5t != null) {
      offered.add(Binding.MTLS);
    }
    Proofs proofs = new Proofs(offered, jkt, x5t);

    try {
      switch (attempt.grantType) {
        case CLIENT_CREDENTIALS:
          return clientCredentials(current, client, attempt, proofs);
        case TOKEN_EXCHANGE:
          return tokenExchange(current, client, attempt, proofs);
        case REFRESH_TOKEN:
          return refresh(current, client, attempt, proofs);
        default:
          throw new IllegalStateException("unhandled grant type " + attempt.grantType);
      }
    } catch (EventLogUnavailableException e) {
      LOG.warn("Refusing a token for {}: {}", client.clientId(), e.getMessage());
      return new TokenResponse.Refused(
          OAuthError.TEMPORARILY_UNAVAILABLE,
          "the issuer cannot record the issuance right now; retry shortly",
          false);
    }
  }

  private static Decision.Denied audienceRequired() {
    return Decision.Denied.of(
        IssuanceDenyReason.INVALID_REQUEST, OAuthError.INVALID_REQUEST, "audience is required");
  }

  /** What policy approves for a request that opens a new grant (its audience is present). */
  private Decision policyDecision(ClientPolicy client, Attempt attempt, Proofs proofs) {
    return IssuanceRules.decide(
        client,
        requireNonNull(attempt.audience, "audience"),
        attempt.scopes,
        ttl(attempt),
        attempt.maxUses,
        proofs.offered());
  }

  private record Proofs(Set<Binding> offered, @Nullable String jkt, @Nullable String x5t) {
    @Nullable String thumbprint(Binding binding) {
      return switch (binding) {
        case DPOP -> jkt;
        case MTLS -> x5t;
        case NONE -> null;
      };
    }
  }

  private TokenResponse clientCredentials(
      Policy current, ClientPolicy client, Attempt attempt, Proofs proofs) {
    attempt.subject = client.clientId();
    if (client.kind() != ClientKind.MACHINE) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_CLIENT_CREDENTIALS,
              OAuthError.UNAUTHORIZED_CLIENT,
              "a public client cannot use client_credentials"),
          false);
    }
    if (attempt.audience == null) {
      return deny(current, attempt, audienceRequired(), false);
    }
    Decision decision = policyDecision(client, attempt, proofs);
    if (decision instanceof Decision.Denied denied) {
      return deny(current, attempt, denied, false);
    }
    Decision.Approved approved = (Decision.Approved) decision;
    Instant now = now();
    Issue issue =
        new Issue(
            current,
            client,
            approved,
            attempt,
            now,
            now.plus(approved.ttl()),
            client.clientId(),
            Secrets.randomUuid().toString(),
            null,
            null,
            List.of(),
            proofs.thumbprint(approved.binding()),
            "client "
                + client.clientId()
                + " authenticated for its own access under rule "
                + approved.rule().ruleId());
    return issue(issue, null);
  }

  private TokenResponse tokenExchange(
      Policy current, ClientPolicy client, Attempt attempt, Proofs proofs) {
    if (!client.mayActForOthers()) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.DELEGATION_NOT_ALLOWED,
              OAuthError.UNAUTHORIZED_CLIENT,
              "client " + client.clientId() + " may not act for others"),
          false);
    }
    String subjectToken = attempt.request.param("subject_token");
    String subjectTokenType = attempt.request.param("subject_token_type");
    String requestedType = attempt.request.param("requested_token_type");
    if (subjectToken == null || !ACCESS_TOKEN_TYPE.equals(subjectTokenType)) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_REQUEST,
              OAuthError.INVALID_REQUEST,
              "subject_token and subject_token_type " + ACCESS_TOKEN_TYPE + " are required"),
          false);
    }
    if (attempt.request.param("actor_token") != null
        || (requestedType != null && !ACCESS_TOKEN_TYPE.equals(requestedType))) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_REQUEST,
              OAuthError.INVALID_REQUEST,
              "only access tokens are issued, and the actor is the authenticated client"
                  + " (actor_token is not supported)"),
          false);
    }
    OwnTokens.LiveCheck subjectCheck = ownTokens.checkLive(subjectToken);
    if (subjectCheck instanceof OwnTokens.LiveCheck.Revoked revoked) {
      attempt.subject = revoked.claims().getSubject();
      attempt.parentTokenId = revoked.claims().getJWTID();
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_SUBJECT_TOKEN,
              OAuthError.INVALID_GRANT,
              "the subject token is revoked (" + revoked.selector() + ")"),
          false);
    }
    if (subjectCheck instanceof OwnTokens.LiveCheck.Undecidable undecidable) {
      // Fail closed: a subject token whose revocation cannot be ruled out is not exchanged.
      attempt.subject = undecidable.claims().getSubject();
      attempt.parentTokenId = undecidable.claims().getJWTID();
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_SUBJECT_TOKEN,
              OAuthError.TEMPORARILY_UNAVAILABLE,
              undecidable.detail() + "; retry shortly"),
          false);
    }
    if (!(subjectCheck instanceof OwnTokens.LiveCheck.Live live)) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_SUBJECT_TOKEN,
              OAuthError.INVALID_GRANT,
              "the subject token is not a live access token of this issuer"),
          false);
    }
    JWTClaimsSet parent = live.claims();
    attempt.subject = parent.getSubject();
    attempt.parentTokenId = parent.getJWTID();
    // The check above matched lineage selectors against the subject token's ancestors; a token
    // selector naming one of them ends every delegation made from it as well.
    Optional<Decision.Denied> ancestryRefused =
        revocations
            .anyRevokedById(stringList(parent, "lineage"))
            .refusal(
                IssuanceDenyReason.INVALID_SUBJECT_TOKEN,
                selector ->
                    "a token the subject token was delegated from is revoked (" + selector + ")");
    if (ancestryRefused.isPresent()) {
      return deny(current, attempt, ancestryRefused.get(), false);
    }
    List<String> parentScopes = scopes(stringClaim(parent, "scope"));
    String parentAudience = parent.getAudience().isEmpty() ? null : parent.getAudience().get(0);
    if (attempt.audience == null) {
      attempt.audience = parentAudience;
    }
    if (attempt.scopes.isEmpty()) {
      attempt.scopes = parentScopes;
    }
    if (attempt.audience == null) {
      return deny(current, attempt, audienceRequired(), false);
    }
    List<String> wider = new ArrayList<>();
    for (String scope : attempt.scopes) {
      if (!parentScopes.contains(scope)) {
        wider.add(scope);
      }
    }
    if (!wider.isEmpty()) {
      return deny(
          current,
          attempt,
          new Decision.Denied(
              IssuanceDenyReason.DELEGATION_WIDENS_SCOPE,
              OAuthError.INVALID_SCOPE,
              "scope(s) " + String.join(" ", wider) + " are not in the subject token",
              null,
              parentScopes),
          false);
    }
    Decision decision = policyDecision(client, attempt, proofs);
    if (decision instanceof Decision.Denied denied) {
      return deny(current, attempt, denied, false);
    }
    Decision.Approved approved = (Decision.Approved) decision;
    Instant now = now();
    Instant parentExpiry = parent.getExpirationTime().toInstant();
    Instant expiry = now.plus(approved.ttl());
    if (expiry.isAfter(parentExpiry)) {
      if (attempt.ttlSeconds != null) {
        return deny(
            current,
            attempt,
            new Decision.Denied(
                IssuanceDenyReason.DELEGATION_OUTLIVES_PARENT,
                OAuthError.INVALID_REQUEST,
                "the requested lifetime would outlive the subject token, which expires at "
                    + parentExpiry,
                approved.rule().ruleId(),
                attempt.scopes),
            false);
      }
      expiry = parentExpiry; // the default lifetime is cut to the parent's: never outlive it
    }
    if (!expiry.isAfter(now)) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_SUBJECT_TOKEN,
              OAuthError.INVALID_GRANT,
              "the subject token expires now"),
          false);
    }
    Integer maxUses = approved.maxUses();
    Object parentUses = parent.getClaim("max_uses");
    if (parentUses instanceof Number number && (maxUses == null || maxUses > number.intValue())) {
      if (attempt.maxUses != null) {
        return deny(
            current,
            attempt,
            new Decision.Denied(
                IssuanceDenyReason.MAX_USES_ABOVE_POLICY,
                OAuthError.INVALID_REQUEST,
                "the requested max_uses exceeds the subject token's " + number,
                approved.rule().ruleId(),
                attempt.scopes),
            false);
      }
      maxUses = number.intValue();
    }
    approved =
        new Decision.Approved(
            approved.rule(), approved.scopes(), approved.ttl(), maxUses, approved.binding());
    Map<String, Object> actor = new LinkedHashMap<>();
    actor.put("sub", client.clientId());
    actor.put("client_id", client.clientId());
    Object previousActor = parent.getClaim("act");
    if (previousActor instanceof Map<?, ?>) {
      actor.put("act", previousActor); // RFC 8693 4.1: the chain of prior actors, nested
    }
    List<String> lineage = new ArrayList<>();
    lineage.add(requireNonNull(parent.getJWTID()));
    lineage.addAll(stringList(parent, "lineage"));
    Issue issue =
        new Issue(
            current,
            client,
            approved,
            attempt,
            now,
            expiry,
            parent.getSubject(),
            Secrets.randomUuid().toString(),
            actor,
            parent.getJWTID(),
            lineage,
            proofs.thumbprint(approved.binding()),
            "client "
                + client.clientId()
                + " acts for "
                + parent.getSubject()
                + " with a token exchanged from "
                + parent.getJWTID()
                + " under rule "
                + approved.rule().ruleId());
    String refreshToken = null;
    RefreshGrantChanged grant = null;
    Duration refreshTtl = approved.rule().refreshTtl();
    if (refreshTtl != null) {
      refreshToken = RefreshTokens.newToken(issue.grantId());
      Instant grantExpiry = min(now.plus(refreshTtl), parentExpiry);
      grant =
          grantState(
              issue,
              grantExpiry,
              List.of(Secrets.hash(refreshToken)),
              RefreshGrantStatus.ACTIVE,
              "grant started by token exchange");
    }
    return issue(issue, grant == null ? null : new NewGrant(grant, requireNonNull(refreshToken)));
  }

  private TokenResponse refresh(
      Policy current, ClientPolicy client, Attempt attempt, Proofs proofs) {
    String token = attempt.request.param("refresh_token");
    RefreshTokens.Presented presented =
        token == null ? null : RefreshTokens.parse(token).orElse(null);
    if (presented == null) {
      return deny(
          current,
          attempt,
          Decision.Denied.of(
              IssuanceDenyReason.INVALID_REFRESH_TOKEN,
              OAuthError.INVALID_GRANT,
              "refresh_token is missing or malformed"),
          false);
    }
    attempt.grantId = presented.grantId();
    synchronized (lockFor(presented.grantId())) {
      RefreshGrantChanged state = grants.get(presented.grantId()).orElse(null);
      if (state == null || !state.getClientId().equals(client.clientId())) {
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.INVALID_REFRESH_TOKEN,
                OAuthError.INVALID_GRANT,
                "unknown refresh token"),
            false);
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
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.INVALID_REFRESH_TOKEN,
                OAuthError.INVALID_GRANT,
                "unknown refresh token"),
            false);
      }
      if (state.getStatus() != RefreshGrantStatus.ACTIVE) {
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.INVALID_REFRESH_TOKEN,
                OAuthError.INVALID_GRANT,
                "the grant was revoked"),
            false);
      }
      if (index != hashes.size() - 1) {
        revokeGrant(
            current,
            state,
            RevocationReason.REFRESH_TOKEN_REUSE,
            "refresh:" + client.clientId(),
            "refresh token of generation "
                + index
                + " presented again after rotation to "
                + state.getGeneration());
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.REFRESH_TOKEN_REUSE,
                OAuthError.INVALID_GRANT,
                "this refresh token was already used; the whole grant is revoked"),
            false);
      }
      Instant now = now();
      if (!state.getExpiresAt().isAfter(now)) {
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.INVALID_REFRESH_TOKEN,
                OAuthError.INVALID_GRANT,
                "the grant has expired"),
            false);
      }
      if (state.getGeneration() + 1 >= MAX_GENERATIONS) {
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.INVALID_REFRESH_TOKEN,
                OAuthError.INVALID_GRANT,
                "the grant was refreshed too often; start a new one"),
            false);
      }
      if (requestedAudience != null && !requestedAudience.equals(state.getAudience())) {
        // RFC 8707 2.2: a refresh may name the resource; this grant's tokens have one audience.
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.AUDIENCE_NOT_ALLOWED,
                OAuthError.INVALID_TARGET,
                "the grant's tokens are for " + state.getAudience() + " only"),
            false);
      }
      ChannelBinding bound = state.getChannelBinding();
      if (bound.getType() == BindingType.DPOP && !bound.getThumbprint().equals(proofs.jkt())) {
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.INVALID_DPOP_PROOF,
                OAuthError.INVALID_DPOP_PROOF,
                "the grant is bound to a DPoP key; prove possession of it"),
            false);
      }
      if (bound.getType() == BindingType.MTLS && !bound.getThumbprint().equals(proofs.x5t())) {
        return deny(
            current,
            attempt,
            Decision.Denied.of(
                IssuanceDenyReason.BINDING_REQUIRED,
                OAuthError.INVALID_GRANT,
                "the grant is bound to a client certificate"),
            false);
      }
      attempt.parentTokenId = state.getParentTokenId();
      RevocationCheck.Verdict delegation = refreshVerdict(state, now);
      if (delegation instanceof RevocationCheck.Verdict.Revoked revoked) {
        closeRevokedGrant(current, state, revoked.selector());
      }
      Optional<Decision.Denied> delegationRefused =
          delegation.refusal(
              IssuanceDenyReason.INVALID_REFRESH_TOKEN,
              selector ->
                  "the grant is revoked by "
                      + selector
                      + ": every token a refresh would mint is denied");
      if (delegationRefused.isPresent()) {
        return deny(current, attempt, delegationRefused.get(), false);
      }
      List<String> wider = new ArrayList<>();
      for (String scope : attempt.scopes) {
        if (!state.getScopes().contains(scope)) {
          wider.add(scope);
        }
      }
      if (!wider.isEmpty()) {
        return deny(
            current,
            attempt,
            new Decision.Denied(
                IssuanceDenyReason.SCOPE_NOT_APPROVED,
                OAuthError.INVALID_SCOPE,
                "scope(s) " + String.join(" ", wider) + " were not granted; a refresh never widens",
                null,
                state.getScopes()),
            false);
      }
      // The policy in force now decides again: a narrowed policy narrows refreshed grants too.
      Set<Binding> offered = EnumSet.noneOf(Binding.class);
      if (bound.getType() != BindingType.NONE) {
        offered.add(Binding.valueOf(bound.getType().name()));
      }
      Decision decision =
          IssuanceRules.decide(
              client,
              state.getAudience(),
              attempt.scopes,
              ttl(attempt),
              attempt.maxUses != null ? attempt.maxUses : state.getMaxUses(),
              offered);
      if (decision instanceof Decision.Denied denied) {
        return deny(current, attempt, denied, false);
      }
      Decision.Approved approved = (Decision.Approved) decision;
      Instant expiry = min(now.plus(approved.ttl()), state.getExpiresAt());
      Actor actor = state.getActor();
      Map<String, Object> act = null;
      if (actor != null) {
        act = new LinkedHashMap<>();
        act.put("sub", actor.getSubject());
        if (actor.getClientId() != null) {
          act.put("client_id", actor.getClientId());
        }
      }
      Issue issue =
          new Issue(
              current,
              client,
              approved,
              attempt,
              now,
              expiry,
              state.getSubject(),
              state.getGrantId(),
              act,
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
              .setPolicy(policyRef(current))
              .setChangedBy(instanceId)
              .setDetail("rotated")
              .build();
      return issue(issue, new NewGrant(rotated, newToken));
    }
  }

  /**
   * What the revocation feed says about a refresh of {@code state} at {@code now}: revoked when a
   * validator would deny the token it would mint (by its grant, a lineage selector on any token it
   * is delegated from, its subject, client or audience, watermarks judged at {@code now}), or when
   * any token it is delegated from is revoked by its id; undecidable while the feed is not ready or
   * stale.
   */
  private RevocationCheck.Verdict refreshVerdict(RefreshGrantChanged state, Instant now) {
    Actor actor = state.getActor();
    ChannelBinding binding = state.getChannelBinding();
    VerifiedToken wouldMint =
        new VerifiedToken(
            Secrets.randomUuid().toString(),
            issuer,
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
    RevocationCheck.Verdict verdict = revocations.token(wouldMint);
    if (verdict instanceof RevocationCheck.Verdict.Revoked) {
      return verdict;
    }
    return revocations.anyRevokedById(state.getLineage());
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
      grants.save(
          RefreshGrantChanged.newBuilder(state)
              .setEventId(Secrets.randomUuid().toString())
              .setOccurredAt(now())
              .setStatus(RefreshGrantStatus.REVOKED)
              .setPolicy(policyRef(current))
              .setChangedBy(instanceId)
              .setDetail("revoked by " + selector + ", found at refresh")
              .build());
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("refresh_grant");
      LOG.warn("Could not mark grant {} revoked: {}", state.getGrantId(), e.getMessage());
    }
  }

  private record NewGrant(RefreshGrantChanged state, String refreshToken) {}

  private record Issue(
      Policy policy,
      ClientPolicy client,
      Decision.Approved approved,
      Attempt attempt,
      Instant issuedAt,
      Instant expiresAt,
      String subject,
      String grantId,
      @Nullable Map<String, Object> actor,
      @Nullable String parentTokenId,
      List<String> lineage,
      @Nullable String thumbprint,
      String reason) {}

  /**
   * Mints, records the issuance durably, then the grant state, and only then answers: a client
   * never holds a token whose event is not in the log. The grant is saved after the issuance so a
   * failure in between leaves the presented refresh token current and a retry harmless.
   */
  private TokenResponse issue(Issue issue, @Nullable NewGrant grant) {
    Decision.Approved approved = issue.approved();
    Instant iat = issue.issuedAt();
    AccessTokenClaims claims =
        new AccessTokenClaims(
            issuer,
            issue.subject(),
            approved.rule().audience(),
            iat,
            issue.expiresAt(),
            Secrets.randomUuid().toString(),
            issue.client().clientId(),
            approved.scopes(),
            approved.maxUses(),
            issue.grantId(),
            issue.policy().id(),
            issue.policy().version(),
            approved.binding(),
            approved.binding() == Binding.NONE ? null : issue.thumbprint(),
            issue.actor(),
            issue.parentTokenId(),
            issue.lineage());
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
            .setGrantType(issue.attempt().grantType)
            .setParentTokenId(claims.parentTokenId())
            .setLineage(claims.lineage())
            .setActor(
                issue.actor() == null
                    ? null
                    : Actor.newBuilder()
                        .setSubject(String.valueOf(issue.actor().get("sub")))
                        .setClientId((String) issue.actor().get("client_id"))
                        .build())
            .setChannelBinding(binding(claims.binding(), claims.bindingThumbprint()))
            .setPolicy(policyRef(issue.policy()))
            .setRuleId(approved.rule().ruleId())
            .setGrantedBy(issue.client().clientId())
            .setReason(issue.reason())
            .setSigningKeyId(minted.keyId())
            .build();
    try {
      events.tokenIssued(event);
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("token_issued");
      throw e;
    }
    if (grant != null) {
      try {
        grants.save(grant.state());
      } catch (EventLogUnavailableException e) {
        metrics.produceFailure("refresh_grant");
        throw e;
      }
    }
    metrics.issued(
        claims.clientId(), issue.attempt().grantType.name().toLowerCase(java.util.Locale.ROOT));
    long expiresIn = Duration.between(iat, claims.expiresAt()).getSeconds();
    return new TokenResponse.Issued(
        minted.jwt(),
        approved.binding() == Binding.DPOP ? "DPoP" : "Bearer",
        expiresIn,
        String.join(" ", claims.scopes()),
        grant == null ? null : grant.refreshToken(),
        issue.attempt().grantType == GrantType.TOKEN_EXCHANGE ? ACCESS_TOKEN_TYPE : null);
  }

  private RefreshGrantChanged grantState(
      Issue issue,
      Instant expiresAt,
      List<String> hashes,
      RefreshGrantStatus status,
      String detail) {
    Decision.Approved approved = issue.approved();
    Map<String, Object> act = issue.actor();
    return RefreshGrantChanged.newBuilder()
        .setEventId(Secrets.randomUuid().toString())
        .setOccurredAt(clock.instant())
        .setGrantId(issue.grantId())
        .setStatus(status)
        .setGeneration(hashes.size() - 1L)
        .setTokenHashes(hashes)
        .setClientId(issue.client().clientId())
        .setSubject(issue.subject())
        .setAudience(approved.rule().audience())
        .setScopes(approved.scopes())
        .setExpiresAt(expiresAt)
        .setMaxUses(approved.maxUses())
        .setChannelBinding(
            binding(
                approved.binding(), approved.binding() == Binding.NONE ? null : issue.thumbprint()))
        .setActor(
            act == null
                ? null
                : Actor.newBuilder()
                    .setSubject(String.valueOf(act.get("sub")))
                    .setClientId((String) act.get("client_id"))
                    .build())
        .setParentTokenId(issue.parentTokenId())
        .setLineage(issue.lineage())
        .setGrantType(issue.attempt().grantType)
        .setPolicy(policyRef(issue.policy()))
        .setChangedBy(instanceId)
        .setDetail(detail)
        .build();
  }

  /** Revokes a grant whose reuse raced across instances and was seen only after the fact. */
  private void revokeRacedGrant(RefreshGrantChanged raced) {
    metrics.refreshRace();
    synchronized (lockFor(raced.getGrantId())) {
      RefreshGrantChanged state = grants.get(raced.getGrantId()).orElse(raced);
      try {
        revokeGrant(
            policy.get(),
            state,
            RevocationReason.REFRESH_TOKEN_REUSE,
            "issuer:" + instanceId,
            "two issuer instances rotated the same refresh token generation: the token was reused");
      } catch (EventLogUnavailableException e) {
        // Another instance that saw the race revokes as well; the log keeps both states anyway.
        LOG.error("Could not revoke raced grant {}: {}", raced.getGrantId(), e.getMessage());
      }
    }
  }

  /**
   * Revokes a grant: its state becomes REVOKED (so no instance refreshes it again), and a
   * revocation of {@code grant:<id>} goes to the request topic and straight to the feed.
   */
  private void revokeGrant(
      Policy current,
      RefreshGrantChanged state,
      RevocationReason reason,
      String requestedBy,
      String detail) {
    Instant now = now();
    if (state.getStatus() == RefreshGrantStatus.ACTIVE) {
      RefreshGrantChanged revoked =
          RefreshGrantChanged.newBuilder(state)
              .setEventId(Secrets.randomUuid().toString())
              .setOccurredAt(now)
              .setStatus(RefreshGrantStatus.REVOKED)
              .setPolicy(policyRef(current))
              .setChangedBy(instanceId)
              .setDetail(detail)
              .build();
      grants.save(revoked);
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

  /** Outcome of a revocation call. */
  public sealed interface RevocationOutcome {
    /** Recorded; {@code selector} is the feed key. */
    record Accepted(String selector) implements RevocationOutcome {}

    /** Refused with an OAuth error. */
    record Refused(OAuthError error, String description, boolean basicChallenge)
        implements RevocationOutcome {}
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
      synchronized (lockFor(refresh.get().grantId())) {
        RefreshGrantChanged state = grants.get(refresh.get().grantId()).orElse(null);
        if (state == null || !state.getTokenHashes().contains(refresh.get().hash())) {
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
    }
    Optional<JWTClaimsSet> claims = ownTokens.verify(token, false);
    if (claims.isEmpty()) {
      return new RevocationOutcome.Accepted("none");
    }
    if (!client.clientId().equals(stringClaim(claims.get(), "client_id"))) {
      return new RevocationOutcome.Refused(
          OAuthError.UNAUTHORIZED_CLIENT, "the token was not issued to this client", false);
    }
    // A lineage selector covers the token and every token delegated from it (RFC 7009 section 2:
    // revoking a token may revoke related ones). Delegated tokens never outlive their parent, so
    // the parent's expiry bounds the record's life too.
    String jti = requireNonNull(claims.get().getJWTID());
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
    return new RevocationOutcome.Accepted("lineage:" + jti);
  }

  /**
   * An admin revocation request, already authenticated. Kind and value follow {@link
   * SelectorRules}; the watermark is checked against the request time by {@link #revokeByAdmin}.
   *
   * @throws IllegalArgumentException naming the first rule broken
   */
  public record AdminRevocation(
      SelectorKind kind,
      String value,
      @Nullable Instant issuedBefore,
      RevocationReason reason,
      String requestedBy,
      @Nullable String detail) {

    /** The longest {@code detail}, in UTF-8 bytes. */
    public static final int MAX_DETAIL_BYTES = 2048;

    public AdminRevocation {
      requireNonNull(kind, "kind");
      requireNonNull(value, "value");
      requireNonNull(reason, "reason");
      requireNonNull(requestedBy, "requestedBy");
      refuse("kind", SelectorRules.kindProblem(kind));
      refuse("value", SelectorRules.valueProblem(value));
      if (reason == RevocationReason.UNKNOWN) {
        throw new IllegalArgumentException("reason UNKNOWN is not a reason");
      }
      if (detail != null) {
        refuse("detail", SelectorRules.textProblem(detail));
        int bytes = detail.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_DETAIL_BYTES) {
          throw new IllegalArgumentException(
              "detail is "
                  + bytes
                  + " bytes in UTF-8; at most "
                  + MAX_DETAIL_BYTES
                  + " are accepted");
        }
      }
    }

    private static void refuse(String field, Optional<String> problem) {
      if (problem.isPresent()) {
        throw new IllegalArgumentException(field + " " + problem.get());
      }
    }
  }

  /** The longest lifetime any token can have; a retired signing key stays published this long. */
  public Duration ttlCeiling() {
    return ttlCeiling;
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
    List<SelectorRules.Violation> violations =
        SelectorRules.check(
            revocation.kind(), revocation.value(), revocation.issuedBefore(), requestedAt);
    if (!violations.isEmpty()) {
      return new RevocationOutcome.Refused(
          OAuthError.INVALID_REQUEST,
          violations.stream()
              .map(SelectorRules.Violation::toString)
              .collect(Collectors.joining("; ")),
          false);
    }
    Instant now = requestedAt.truncatedTo(ChronoUnit.SECONDS);
    if (revocation.kind() == SelectorKind.GRANT) {
      synchronized (lockFor(revocation.value())) {
        grants
            .get(revocation.value())
            .filter(state -> state.getStatus() == RefreshGrantStatus.ACTIVE)
            .ifPresent(
                state ->
                    grants.save(
                        RefreshGrantChanged.newBuilder(state)
                            .setEventId(Secrets.randomUuid().toString())
                            .setOccurredAt(now)
                            .setStatus(RefreshGrantStatus.REVOKED)
                            .setChangedBy(instanceId)
                            .setDetail("revoked by " + revocation.requestedBy())
                            .build()));
      }
    }
    String selector =
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
    return new RevocationOutcome.Accepted(selector);
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
  private String publishRevocation(
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
            .setPolicy(policyRef(current))
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
      events.revocation(request, fastPath);
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("revocation");
      throw e;
    }
    return FeedKey.of(kind, value);
  }

  private TokenResponse deny(
      Policy current, Attempt attempt, Decision.Denied denied, boolean basicChallenge) {
    metrics.denied(attempt.clientId, denied.reason().name());
    IssuanceDenied event =
        IssuanceDenied.newBuilder()
            .setEventId(Secrets.randomUuid().toString())
            .setOccurredAt(clock.instant())
            .setClientId(attempt.clientId)
            .setSubject(attempt.subject)
            .setAudience(attempt.audience)
            .setGrantType(attempt.grantType)
            .setRequestedScopes(attempt.scopes)
            .setAllowedScopes(denied.allowedScopes())
            .setRequestedTtlSeconds(attempt.ttlSeconds)
            .setRequestedMaxUses(attempt.maxUses)
            .setError(denied.error().code())
            .setReason(denied.reason())
            .setDetail(denied.detail())
            .setRuleId(denied.ruleId())
            .setPolicy(policyRef(current))
            .setSourceAddress(attempt.request.sourceAddress())
            .setParentTokenId(attempt.parentTokenId)
            .setGrantId(attempt.grantId)
            .build();
    try {
      events.issuanceDenied(event);
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("issuance_denied");
      LOG.warn("Could not record a refusal for {}: {}", attempt.clientId, e.getMessage());
    }
    return new TokenResponse.Refused(denied.error(), denied.detail(), basicChallenge);
  }

  private Object lockFor(String grantId) {
    return locks[Math.floorMod(grantId.hashCode(), LOCK_STRIPES)];
  }

  private Instant now() {
    // JWT times are whole seconds; keeping events on the same instants lets them be compared.
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  private @Nullable Duration ttl(Attempt attempt) {
    return attempt.ttlSeconds == null ? null : Duration.ofSeconds(attempt.ttlSeconds);
  }

  private static GrantType grantTypeOf(String grantType) {
    return switch (grantType) {
      case "client_credentials" -> GrantType.CLIENT_CREDENTIALS;
      case TOKEN_EXCHANGE -> GrantType.TOKEN_EXCHANGE;
      case "refresh_token" -> GrantType.REFRESH_TOKEN;
      default -> GrantType.UNKNOWN;
    };
  }

  private static ChannelBinding binding(Binding binding, @Nullable String thumbprint) {
    return ChannelBinding.newBuilder()
        .setType(BindingType.valueOf(binding.name()))
        .setThumbprint(thumbprint)
        .build();
  }

  private static PolicyRef policyRef(Policy policy) {
    return PolicyRef.newBuilder()
        .setPolicyId(policy.id())
        .setPolicyVersion(policy.version())
        .build();
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static List<String> scopes(@Nullable String scope) {
    if (scope == null) {
      return List.of();
    }
    Set<String> scopes = new LinkedHashSet<>();
    for (String part : scope.split(" ")) {
      if (!part.isEmpty()) {
        scopes.add(part);
      }
    }
    return List.copyOf(scopes);
  }

  private static String stringClaim(JWTClaimsSet claims, String name) {
    try {
      String value = claims.getStringClaim(name);
      return value == null ? "" : value;
    } catch (ParseException e) {
      return "";
    }
  }

  private static List<String> stringList(JWTClaimsSet claims, String name) {
    try {
      List<String> value = claims.getStringListClaim(name);
      return value == null ? List.of() : value;
    } catch (ParseException e) {
      return List.of();
    }
  }

  private static @Nullable Long positiveLong(@Nullable String value, String name) {
    if (value == null) {
      return null;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed < 1) {
        throw new BadParameter(name + " must be a positive integer");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new BadParameter(name + " must be a positive integer");
    }
  }

  private static final class BadParameter extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final OAuthError error;

    BadParameter(String message) {
      this(OAuthError.INVALID_REQUEST, message);
    }

    BadParameter(OAuthError error, String message) {
      super(message);
      this.error = error;
    }
  }

  /**
   * The audience a request names with {@code audience} (RFC 8693) and {@code resource} (RFC 8707),
   * or null when it names none. A resource must be an absolute URI without a fragment. A token of
   * this issuer carries one audience, the one its policy rule is for, so every value given must
   * name the same one; asking for several is {@code invalid_target} (ask one token per resource),
   * never a token for some of them.
   */
  private static @Nullable String requestedAudience(TokenRequest request) {
    Set<String> named = new LinkedHashSet<>();
    for (String resource : request.resources()) {
      if (!isResourceIndicator(resource)) {
        throw new BadParameter(
            OAuthError.INVALID_TARGET,
            "resource must be an absolute URI without a fragment (RFC 8707)");
      }
      named.add(resource);
    }
    String audience = request.param("audience");
    if (audience != null) {
      named.add(audience);
    }
    if (named.size() > 1) {
      throw new BadParameter(
          OAuthError.INVALID_TARGET,
          "a token of this issuer has one audience: audience and resource must all name the same"
              + " one; ask one token per resource");
    }
    return named.isEmpty() ? null : named.iterator().next();
  }

  private static boolean isResourceIndicator(String value) {
    try {
      URI uri = new URI(value);
      return uri.isAbsolute() && uri.getRawFragment() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
