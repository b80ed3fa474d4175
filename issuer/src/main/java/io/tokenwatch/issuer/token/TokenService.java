package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.ClientAuthenticator;
import io.tokenwatch.issuer.EventLog;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.GrantLocks;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.PresentedCredentials;
import io.tokenwatch.issuer.RefreshGrantStore;
import io.tokenwatch.issuer.TokenMinter;
import io.tokenwatch.issuer.consent.AuthorizationCodes;
import io.tokenwatch.issuer.consent.ConsentLog;
import io.tokenwatch.issuer.consent.ConsentRegistry;
import io.tokenwatch.issuer.consent.ConsentService;
import io.tokenwatch.issuer.policy.Binding;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyException;
import io.tokenwatch.issuer.revocation.OwnTokens;
import io.tokenwatch.issuer.revocation.RevocationCheck;
import io.tokenwatch.issuer.revocation.RevocationService;
import io.tokenwatch.validator.DpopVerifier;
import io.tokenwatch.validator.RevocationView;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token endpoint's logic: reads what every grant shares (grant type, client authentication,
 * audience, scopes, lifetime, use limit, DPoP proof, client certificate) and hands the request to
 * its grant: {@link ClientCredentialsGrant}, {@link TokenExchangeGrant} (RFC 8693) or {@link
 * RefreshGrant} (rotation, reuse revokes the grant). Every grant ends in the one {@link Issuance}
 * path, which answers only once the issuance event is durable, or in a {@link Denial}, recorded as
 * an {@code IssuanceDenied} event (best effort: the refusal stands even if the event cannot be
 * written). Revocations go through {@link #revocations()}. Thread-safe.
 */
public final class TokenService {

  /** RFC 6749 section 4.1.3 grant type. */
  public static final String AUTHORIZATION_CODE = "authorization_code";

  /** RFC 8693 grant type. */
  public static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

  /** RFC 8693 token type of access tokens. */
  public static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

  /** RFC 8693 token type of refresh tokens. */
  public static final String REFRESH_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:refresh_token";

  private static final Logger LOG = LoggerFactory.getLogger(TokenService.class);

  private final Supplier<Policy> policy;
  private final Supplier<List<PolicyException>> exceptions;
  private final Clock clock;
  private final DpopVerifier dpop;
  private final Denials denials;
  private final RevocationService revocations;
  private final ConsentService consents;
  private final Map<GrantType, Grant> grantsByType = new EnumMap<>(GrantType.class);

  /**
   * @param policy the policy in force, read on every request
   * @param exceptions the policy exceptions known now (see {@link
   *     io.tokenwatch.issuer.policy.IssuanceRules}), read once per request and judged against
   *     {@code clock}
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
   * @param consentLog where consent events go
   * @param consentRegistry the consents in force, shared with whatever follows the consent topics
   * @param codes the authorization codes
   */
  public TokenService(
      Supplier<Policy> policy,
      Supplier<List<PolicyException>> exceptions,
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
      Duration revocationMaxStaleness,
      ConsentLog consentLog,
      ConsentRegistry consentRegistry,
      AuthorizationCodes codes) {
    this.policy = requireNonNull(policy, "policy");
    this.exceptions = requireNonNull(exceptions, "exceptions");
    this.clock = requireNonNull(clock, "clock");
    this.dpop = requireNonNull(dpop, "dpop");
    this.denials = new Denials(events, metrics, clock);
    GrantLocks locks = new GrantLocks();
    this.revocations =
        new RevocationService(
            policy, ownTokens, events, grants, locks, metrics, clock, instanceId, ttlCeiling);
    RevocationCheck feed = new RevocationCheck(revocations, clock, revocationMaxStaleness);
    Issuance issuance = new Issuance(minter, events, grants, metrics, clock, issuer, instanceId);
    grantsByType.put(GrantType.CLIENT_CREDENTIALS, new ClientCredentialsGrant(issuance, denials));
    grantsByType.put(
        GrantType.TOKEN_EXCHANGE, new TokenExchangeGrant(ownTokens, feed, issuance, denials));
    this.consents = new ConsentService(consentLog, consentRegistry, codes, this.revocations, clock);
    grantsByType.put(
        GrantType.AUTHORIZATION_CODE, new AuthorizationCodeGrant(consents, issuance, denials));
    grantsByType.put(
        GrantType.REFRESH_TOKEN,
        new RefreshGrant(
            grants, locks, feed, this.revocations, issuance, denials, metrics, instanceId));
  }

  /** Client (RFC 7009) and admin revocation, sharing this endpoint's grant state and locks. */
  public RevocationService revocations() {
    return revocations;
  }

  /** User consent: approvals, withdrawals and the codes that carry them. */
  public ConsentService consents() {
    return consents;
  }

  /** The longest lifetime any token can have; a retired signing key stays published this long. */
  public Duration ttlCeiling() {
    return revocations.ttlCeiling();
  }

  /** Handles one token request; never throws for bad input. */
  public TokenResponse token(TokenRequest request) {
    requireNonNull(request, "request");
    Attempt attempt = new Attempt(request, policy.get(), exceptions.get(), clock.instant());
    String grantType = request.param("grant_type");
    if (grantType == null) {
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.INVALID_REQUEST,
              OAuthError.INVALID_REQUEST,
              "grant_type is required"));
    }
    attempt.grantType = TokenParameters.grantTypeOf(grantType);
    PresentedCredentials credentials = request.credentials();
    if (credentials.clientId() != null) {
      attempt.clientId = credentials.clientId();
    }
    Grant grant = grantsByType.get(attempt.grantType);
    if (grant == null) {
      return denials.refuse(
          attempt,
          Denial.of(
              IssuanceDenyReason.UNSUPPORTED_GRANT_TYPE,
              OAuthError.UNSUPPORTED_GRANT_TYPE,
              "grant_type " + grantType + " is not supported"));
    }
    ClientAuthenticator.Result auth = ClientAuthenticator.authenticate(attempt.policy, credentials);
    if (auth instanceof ClientAuthenticator.Result.Failed failed) {
      attempt.clientId = failed.clientId();
      return denials.refuse(
          attempt,
          Denial.of(failed.reason(), OAuthError.INVALID_CLIENT, "client authentication failed")
              .withBasicChallenge(credentials.basic()));
    }
    ClientPolicy client = ((ClientAuthenticator.Result.Authenticated) auth).client();
    attempt.clientId = client.clientId();
    try {
      TokenParameters.read(attempt);
    } catch (TokenParameters.BadParameter e) {
      return denials.refuse(
          attempt,
          Denial.of(IssuanceDenyReason.INVALID_REQUEST, e.error(), String.valueOf(e.getMessage())));
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
        return denials.refuse(
            attempt, Denial.of(reason, OAuthError.INVALID_DPOP_PROOF, invalid.detail()));
      }
      jkt = ((DpopVerifier.Valid) proof).jkt();
      offered.add(Binding.DPOP);
    }
    String x5t = credentials.mtlsThumbprint();
    if (x5t != null) {
      offered.add(Binding.MTLS);
    }
    try {
      return grant.grant(attempt, client, new Proofs(offered, jkt, x5t));
    } catch (EventLogUnavailableException e) {
      LOG.warn("Refusing a token for {}: {}", client.clientId(), e.getMessage());
      return new TokenResponse.Refused(
          OAuthError.TEMPORARILY_UNAVAILABLE,
          "the issuer cannot record the issuance right now; retry shortly",
          false);
    }
  }
}
