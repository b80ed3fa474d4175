package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.jwk.JWKSet;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DecisionListener;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.JwksFetcher;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.VerifiedToken;
import java.io.IOException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Decides who may call the admin API, two ways:
 *
 * <ul>
 *   <li>an admin client (policy {@code admins}) authenticating itself like at the token endpoint
 *       (secret or mTLS certificate thumbprint);
 *   <li>an access token ({@code Authorization: Bearer}, or {@code DPoP} with a proof) that this
 *       issuer signed for its own admin audience (the issuer URL), checked by the validator library
 *       in full: signature against the issuer's current keys, {@code typ}, {@code iss}, {@code
 *       aud}, expiry, channel binding, revocation (failing closed while the revocation feed is not
 *       ready or stale) and the policy's {@code admin_scope}. The token's client must still be an
 *       admin under the policy in force, so removing a client from {@code admins} cuts its tokens
 *       off at once.
 * </ul>
 *
 * The identity that lands in {@code RevocationRequested.requested_by} is {@code admin:<client>} for
 * client authentication and {@code admin:<sub>} (plus {@code ;client:<client_id>} when the token's
 * subject is not its client, i.e. a delegated token) for a token. Thread-safe.
 */
public final class AdminAuthenticator {

  /**
   * The rule usage reports name for an admin token check: the policy's {@code admin_scope}, with
   * the policy version as the rules' version.
   */
  public static final String RULE = "policy.admin_scope";

  private final Supplier<Policy> policy;
  private final TokenValidator tokens;
  private final String endpointUrl;
  private final @Nullable IssuerMetrics metrics;

  /**
   * @param policy the policy in force, read on every call
   * @param tokens validates admin tokens; its audience is the admin audience, see {@link
   *     #adminTokenValidator}
   * @param endpointUrl the admin endpoint's URL as clients reach it (the DPoP {@code htu})
   * @param metrics where decisions are counted, or null
   */
  public AdminAuthenticator(
      Supplier<Policy> policy,
      TokenValidator tokens,
      String endpointUrl,
      @Nullable IssuerMetrics metrics) {
    this.policy = requireNonNull(policy, "policy");
    this.tokens = requireNonNull(tokens, "tokens");
    this.endpointUrl = requireNonNull(endpointUrl, "endpointUrl");
    this.metrics = metrics;
  }

  /**
   * The validator for admin tokens: issuer and audience are {@code issuerUrl}; the keys are read
   * from {@code keys} in process (again whenever a token names an unknown {@code kid}, and at most
   * a second after a rotation retires one), so rotation needs no HTTP round trip.
   *
   * @param revocations the issuer's copy of the revocation feed
   * @param maxStaleness tokens are refused with {@link DenyReason#FEED_STALE} beyond it
   * @param uses told about every admin token decision, allowed and denied (the issuer's {@code
   *     UsageReporter}, so that admin tokens' uses reach the audit like any resource server's)
   */
  public static TokenValidator adminTokenValidator(
      SigningKeys keys,
      String issuerUrl,
      RevocationView revocations,
      Duration maxStaleness,
      Clock clock,
      DecisionListener uses) {
    requireNonNull(keys, "keys");
    requireNonNull(uses, "uses");
    return TokenValidator.builder()
        .issuer(issuerUrl)
        .audience(issuerUrl)
        .jwks(JwksSource.fetching(new OwnKeys(keys), Duration.ZERO, Duration.ofSeconds(1), clock))
        .revocations(revocations)
        .maxStaleness(maxStaleness)
        .clock(clock)
        .signatureCacheSize(1_000)
        .listener(uses)
        .build();
  }

  /** What a request offered to authenticate an admin; assembled by the HTTP layer. */
  public sealed interface Credentials {

    /** Nothing usable was presented. */
    record None() implements Credentials {}

    /** Client authentication, as at the token endpoint. */
    record Client(PresentedCredentials credentials) implements Credentials {
      public Client {
        requireNonNull(credentials, "credentials");
      }
    }

    /**
     * An access token.
     *
     * @param token the JWT, without the scheme
     * @param dpop whether it came with {@code Authorization: DPoP}
     * @param dpopProof the {@code DPoP} header, if sent
     * @param certificateThumbprint the verified client certificate's thumbprint, if any
     * @param sourceAddress the caller's address
     */
    record AccessToken(
        String token,
        boolean dpop,
        @Nullable String dpopProof,
        @Nullable String certificateThumbprint,
        @Nullable String sourceAddress)
        implements Credentials {
      public AccessToken {
        requireNonNull(token, "token");
      }

      /** Never prints the token. */
      @Override
      public String toString() {
        return "AccessToken[dpop=" + dpop + ", source=" + sourceAddress + "]";
      }
    }
  }

  /** Why an admin call is refused; each maps to one HTTP answer. */
  public enum Failure {
    /** No credentials at all (401 with a bare challenge). */
    NO_CREDENTIALS,
    /** Client authentication failed (401 {@code invalid_client}). */
    INVALID_CLIENT,
    /** An authenticated client that is not an admin (403 {@code access_denied}). */
    NOT_AN_ADMIN,
    /** The token is invalid, expired, revoked, for another audience or badly bound (401). */
    INVALID_TOKEN,
    /** A valid token without the admin scope, or whose client is no admin (403). */
    INSUFFICIENT_SCOPE,
    /** The revocation feed is not ready or stale: fail closed (503). */
    UNAVAILABLE
  }

  /** Outcome of {@link #authenticate}. */
  public sealed interface Result {

    /**
     * An admin.
     *
     * @param requestedBy the identity to record as {@code requested_by}
     * @param tokenId the id of the access token used, when one was
     */
    record Admin(String requestedBy, @Nullable String tokenId) implements Result {
      public Admin {
        requireNonNull(requestedBy, "requestedBy");
      }
    }

    /**
     * Not an admin.
     *
     * @param failure why, in a word
     * @param description plain language for the caller; never contains a credential
     * @param basicChallenge whether HTTP Basic was used (its failure answers with a Basic
     *     challenge)
     */
    record Refused(Failure failure, String description, boolean basicChallenge) implements Result {
      public Refused {
        requireNonNull(failure, "failure");
        requireNonNull(description, "description");
      }
    }
  }

  /** Decides on one admin call. Never throws for anything the request contains. */
  public Result authenticate(Credentials credentials) {
    requireNonNull(credentials, "credentials");
    Policy current = policy.get();
    Result result;
    String method;
    if (credentials instanceof Credentials.AccessToken token) {
      method = "token";
      result = token(current, token);
    } else if (credentials instanceof Credentials.Client client) {
      method = "client";
      result = client(current, client.credentials());
    } else {
      method = "none";
      result =
          new Result.Refused(
              Failure.NO_CREDENTIALS,
              "admin calls need an access token with scope "
                  + current.adminScope()
                  + " or admin client credentials",
              false);
    }
    if (metrics != null) {
      metrics.adminAuthentication(
          method,
          result instanceof Result.Refused refused ? refused.failure().name() : "authenticated");
    }
    return result;
  }

  private static Result client(Policy current, PresentedCredentials credentials) {
    ClientAuthenticator.Result auth = ClientAuthenticator.authenticate(current, credentials);
    if (!(auth instanceof ClientAuthenticator.Result.Authenticated authenticated)) {
      return new Result.Refused(
          Failure.INVALID_CLIENT, "admin authentication failed", credentials.basic());
    }
    String admin = authenticated.client().clientId();
    if (!current.admins().contains(admin)) {
      return new Result.Refused(
          Failure.NOT_AN_ADMIN, "client " + admin + " is not an admin", false);
    }
    return new Result.Admin("admin:" + admin, null);
  }

  private Result token(Policy current, Credentials.AccessToken presented) {
    TokenRequest request =
        new TokenRequest(
            presented.token(),
            presented.dpop() ? TokenRequest.Scheme.DPOP : TokenRequest.Scheme.BEARER,
            "POST",
            endpointUrl,
            Set.of(current.adminScope()),
            presented.dpopProof(),
            presented.certificateThumbprint(),
            presented.sourceAddress(),
            null,
            RULE,
            current.version());
    Decision decision = tokens.validate(request);
    if (decision instanceof Decision.Deny deny) {
      if (deny.reason() == DenyReason.FEED_STALE) {
        return new Result.Refused(
            Failure.UNAVAILABLE,
            "cannot check admin tokens against revocations right now (" + deny.detail() + ")",
            false);
      }
      if (deny.reason() == DenyReason.INSUFFICIENT_SCOPE) {
        return new Result.Refused(
            Failure.INSUFFICIENT_SCOPE,
            "the token lacks the admin scope " + current.adminScope(),
            false);
      }
      return new Result.Refused(
          Failure.INVALID_TOKEN,
          deny.reason().name().toLowerCase(java.util.Locale.ROOT) + ": " + deny.detail(),
          false);
    }
    VerifiedToken token = requireNonNull(decision.token());
    if (!current.admins().contains(token.clientId())) {
      return new Result.Refused(
          Failure.INSUFFICIENT_SCOPE,
          "client " + token.clientId() + " is no longer an admin under the policy in force",
          false);
    }
    String identity =
        token.subject().equals(token.clientId())
            ? "admin:" + token.subject()
            : "admin:" + token.subject() + ";client:" + token.clientId();
    return new Result.Admin(identity, token.tokenId());
  }

  /**
   * The issuer's published keys, read in process. The JWKS document is rebuilt only on rotation, so
   * the parsed set is reused until it changes.
   */
  private static final class OwnKeys implements JwksFetcher {
    private final SigningKeys keys;
    private volatile @Nullable Parsed last;

    private record Parsed(String json, JWKSet set) {}

    OwnKeys(SigningKeys keys) {
      this.keys = keys;
    }

    @Override
    public JWKSet fetch() throws IOException {
      String json = keys.jwksJson();
      Parsed cached = last;
      if (cached != null && cached.json().equals(json)) {
        return cached.set();
      }
      try {
        JWKSet set = JWKSet.parse(json);
        last = new Parsed(json, set);
        return set;
      } catch (ParseException e) {
        throw new IOException("the issuer's own key set cannot be parsed", e);
      }
    }
  }
}
