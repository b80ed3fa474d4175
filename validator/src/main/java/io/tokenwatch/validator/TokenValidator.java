package io.tokenwatch.validator;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JWSAlgorithm;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a presented access token grants a request, locally, with no network call per
 * request (see docs/TOKENS.md for the token contract). Every check denies by default:
 *
 * <ol>
 *   <li>size ({@link DenyReason#TOO_LARGE}) and shape ({@link DenyReason#MALFORMED});
 *   <li>algorithm in the allow-list, never {@code none} or HMAC; {@code typ} {@code at+jwt}; no
 *       {@code jku}/{@code x5u} other than the key set's own URL and no embedded {@code jwk}/{@code
 *       x5c} is honoured; {@code kid} in the issuer's key set (an unknown one triggers a
 *       rate-limited refresh); signature;
 *   <li>{@code iss} and {@code aud};
 *   <li>{@code exp}, {@code nbf} and {@code iat} with the allowed clock skew;
 *   <li>revocation: the token id and every selector that matches it, its grant or its lineage; and
 *       the freshness of that knowledge ({@link DenyReason#FEED_STALE} when not ready or stale);
 *   <li>channel binding: a DPoP proof for {@code cnf.jkt}, the client certificate for {@code
 *       cnf.x5t#S256};
 *   <li>required scopes;
 *   <li>the local use count against {@code max_uses}.
 * </ol>
 *
 * <p>A token verified before is found in a bounded cache keyed by the whole token, so it costs no
 * cryptography again; everything after step 3 is checked on every call.
 *
 * <p>Thread-safe; build one per issuer and audience and share it.
 */
public final class TokenValidator implements MeterBinder {

  private static final Logger log = LoggerFactory.getLogger(TokenValidator.class);

  private static final DenyReason[] REASONS = DenyReason.values();

  /** Algorithms a validator may be configured to accept: asymmetric signatures only. */
  public static final Set<JWSAlgorithm> SUPPORTED_ALGORITHMS = DpopVerifier.ALGORITHMS;

  private final JwksSource jwks;
  private final SignedTokenVerifier signatures;
  private final long skewMillis;
  private final Clock clock;
  private final RevocationView revocations;
  private final long maxStalenessMillis;
  private final RevocationFallback fallback;
  private final int maxTokenBytes;
  private final Cache<String, CachedToken> verified;
  private final boolean cacheEnabled;
  private final DpopVerifier dpop;
  private final UseCounter uses = new UseCounter();
  private final DecisionListener listener;
  private final LongAdder allowedCount = new LongAdder();
  private final EnumMap<DenyReason, LongAdder> deniedCounts = new EnumMap<>(DenyReason.class);

  private record CachedToken(VerifiedToken token, long generation) {}

  private TokenValidator(Builder b) {
    this.jwks = requireNonNull(b.jwks, "jwks");
    this.signatures =
        new SignedTokenVerifier(
            requireNonNull(b.issuer, "issuer"),
            requireNonNull(b.audience, "audience"),
            jwks,
            Set.copyOf(b.algorithms));
    this.revocations = requireNonNull(b.revocations, "revocations");
    this.skewMillis = b.clockSkew.toMillis();
    this.clock = b.clock;
    this.maxStalenessMillis = b.maxStaleness.toMillis();
    this.maxTokenBytes = b.maxTokenBytes;
    this.verified = Caffeine.newBuilder().maximumSize(b.signatureCacheSize).build();
    this.cacheEnabled = b.signatureCacheSize > 0;
    this.dpop =
        new DpopVerifier(
            b.clock,
            DpopVerifier.Window.of(b.dpopMaxAge, b.clockSkew),
            b.maxTokenBytes,
            b.dpopReplayCacheSize);
    this.listener = b.listener;
    this.fallback = b.fallback;
    for (DenyReason reason : REASONS) {
      deniedCounts.put(reason, new LongAdder());
    }
  }

  /** A builder; issuer, audience, key source and revocation view are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides on one request. Never throws for anything the request contains: every problem is a
   * {@link Decision.Deny} with its reason. The decision is passed to the {@link DecisionListener}
   * before it is returned.
   *
   * @throws NullPointerException if {@code request} is null
   */
  public Decision validate(TokenRequest request) {
    requireNonNull(request, "request");
    long now = clock.millis();
    Decision decision;
    try {
      decision = decide(request, now);
    } catch (RuntimeException e) {
      // Fail closed on anything unforeseen in a library parsing attacker-supplied input.
      log.debug("Denying a token that failed unexpectedly", e);
      decision =
          new Decision.Deny(
              DenyReason.MALFORMED,
              "token could not be processed (" + e.getClass().getSimpleName() + ")",
              null,
              0,
              null);
    }
    if (decision instanceof Decision.Deny deny) {
      requireNonNull(deniedCounts.get(deny.reason())).increment();
    } else {
      allowedCount.increment();
    }
    try {
      listener.onDecision(request, decision, Instant.ofEpochMilli(now));
    } catch (RuntimeException e) {
      log.warn("Decision listener failed; the decision stands", e);
    }
    return decision;
  }

  /**
   * The longest token, and the longest DPoP proof, this validator reads; longer ones are denied
   * unread with {@link DenyReason#TOO_LARGE}. An HTTP front end sizes its header limit from it, so
   * that such a token reaches the validator and gets that answer.
   */
  public int maxTokenBytes() {
    return maxTokenBytes;
  }

  /**
   * The key of the revocation this validator knows that covers {@code token}, without deciding a
   * request: no use is counted, no decision is reported and no metric moves. Meant for probes that
   * measure how fast revocations reach validators, where presenting the token would itself be a use
   * (and, once revoked, look like a replay).
   *
   * @return the covering selector key ({@code <kind>:<value>}); empty when none covers the token or
   *     it does not verify
   * @throws NullPointerException if {@code token} is null
   */
  public Optional<String> revocationCovering(String token) {
    requireNonNull(token, "token");
    if (token.length() > maxTokenBytes) {
      return Optional.empty();
    }
    CachedToken cached = verified.getIfPresent(token);
    if (cached != null) {
      return Optional.ofNullable(revocations.revokedBy(cached.token()));
    }
    return signatures.verify(token) instanceof SignedTokenVerifier.Verified v
        ? Optional.ofNullable(revocations.revokedBy(v.token()))
        : Optional.empty();
  }

  private Decision decide(TokenRequest request, long now) {
    String token = request.token();
    if (token.length() > maxTokenBytes) {
      return deny(DenyReason.TOO_LARGE, "token larger than " + maxTokenBytes + " bytes");
    }
    CachedToken cached = verified.getIfPresent(token);
    if (cached == null || cached.generation() != jwks.generation()) {
      long generation = jwks.generation();
      SignedTokenVerifier.Verification outcome = signatures.verify(token);
      if (outcome instanceof SignedTokenVerifier.Rejected rejected) {
        return rejected.deny();
      }
      // Verification is sealed: an outcome that is not Rejected is Verified.
      cached = new CachedToken(((SignedTokenVerifier.Verified) outcome).token(), generation);
      if (cacheEnabled) {
        verified.put(token, cached);
      }
    }
    VerifiedToken t = cached.token();

    if (now >= t.expiresAt().toEpochMilli() + skewMillis) {
      return deny(DenyReason.EXPIRED, "token expired at " + t.expiresAt(), t, null);
    }
    Instant nbf = t.notBefore();
    if (nbf != null && now + skewMillis < nbf.toEpochMilli()) {
      return deny(DenyReason.NOT_YET_VALID, "token not valid before " + nbf, t, null);
    }
    if (now + skewMillis < t.issuedAt().toEpochMilli()) {
      return deny(DenyReason.NOT_YET_VALID, "token issued in the future", t, null);
    }

    String revokedBy = revocations.revokedBy(t);
    if (revokedBy != null) {
      return deny(DenyReason.REVOKED, "revoked by " + revokedBy, t, null);
    }
    String stale = revocations.freshness().staleness(now, maxStalenessMillis);
    if (stale != null) {
      switch (fallback.check(t)) {
        case ACTIVE -> {
          // The fallback authority vouches for this token; the remaining checks still apply.
        }
        case INACTIVE -> {
          return deny(
              DenyReason.REVOKED, "inactive per the revocation fallback (" + stale + ")", t, null);
        }
        case UNKNOWN -> {
          return deny(DenyReason.FEED_STALE, stale, t, null);
        }
      }
    }

    String thumbprint = null;
    String jkt = t.dpopThumbprint();
    if (jkt != null) {
      String proof = request.dpopProof();
      if (proof == null || request.scheme() != TokenRequest.Scheme.DPOP) {
        return deny(
            DenyReason.MISSING_PROOF, "DPoP-bound token presented without a proof", t, null);
      }
      if (dpop.verifyResourceRequest(proof, request.method(), request.uri(), token, jkt)
          instanceof DpopVerifier.Invalid invalid) {
        DenyReason reason =
            switch (invalid.reason()) {
              case INVALID -> DenyReason.INVALID_PROOF;
              case REPLAYED -> DenyReason.PROOF_REPLAYED;
              case WRONG_KEY -> DenyReason.BINDING_MISMATCH;
            };
        return deny(reason, invalid.detail(), t, null);
      }
      thumbprint = jkt;
    } else if (request.scheme() == TokenRequest.Scheme.DPOP) {
      return deny(
          DenyReason.BINDING_MISMATCH, "DPoP scheme used with a token not bound to a key", t, null);
    }
    String x5t = t.certificateThumbprint();
    if (x5t != null) {
      String presented = request.clientCertificateThumbprint();
      if (presented == null) {
        return deny(
            DenyReason.MISSING_PROOF,
            "certificate-bound token without a client certificate",
            t,
            null);
      }
      if (!MessageDigest.isEqual(
          presented.getBytes(StandardCharsets.US_ASCII), x5t.getBytes(StandardCharsets.US_ASCII))) {
        return deny(
            DenyReason.BINDING_MISMATCH,
            "client certificate is not the one the token is bound to",
            t,
            presented);
      }
      thumbprint = presented;
    }

    for (String scope : request.requiredScopes()) {
      if (!t.scopes().contains(scope)) {
        return deny(DenyReason.INSUFFICIENT_SCOPE, "token lacks scope " + scope, t, thumbprint);
      }
    }

    Integer maxUses = t.maxUses();
    long count =
        uses.tryUse(
            t.tokenId(),
            maxUses == null ? -1 : maxUses,
            t.expiresAt().toEpochMilli() + skewMillis,
            now);
    if (count < 0) {
      return new Decision.Deny(
          DenyReason.MAX_USES_EXCEEDED,
          "token already used " + -count + " of " + maxUses + " times here",
          t,
          -count,
          thumbprint);
    }
    return new Decision.Allow(t, count, thumbprint);
  }

  static Decision.Deny deny(DenyReason reason, String detail) {
    return new Decision.Deny(reason, detail, null, 0, null);
  }

  private Decision.Deny deny(
      DenyReason reason, String detail, VerifiedToken token, @Nullable String thumbprint) {
    return new Decision.Deny(reason, detail, token, uses.current(token.tokenId()), thumbprint);
  }

  /**
   * Registers {@code tokenwatch.validation} (a counter per {@code result} and {@code reason}),
   * {@code tokenwatch.validation.signature.cache.size}, {@code
   * tokenwatch.validation.use.counts.size} and {@code
   * tokenwatch.validation.dpop.replay.cache.size}.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("tokenwatch.validation", allowedCount, LongAdder::sum)
        .description("Token validation decisions")
        .tags("result", "allowed", "reason", "none")
        .register(registry);
    for (DenyReason reason : REASONS) {
      FunctionCounter.builder(
              "tokenwatch.validation", requireNonNull(deniedCounts.get(reason)), LongAdder::sum)
          .description("Token validation decisions")
          .tags("result", "denied", "reason", reason.name().toLowerCase(Locale.ROOT))
          .register(registry);
    }
    Gauge.builder("tokenwatch.validation.signature.cache.size", verified, Cache::estimatedSize)
        .description("Tokens whose signature is cached as verified")
        .register(registry);
    Gauge.builder("tokenwatch.validation.use.counts.size", uses, UseCounter::size)
        .description("Tokens with a local use count")
        .register(registry);
    Gauge.builder(
            "tokenwatch.validation.dpop.replay.cache.size", dpop, DpopVerifier::replayCacheSize)
        .description("DPoP proof ids remembered against replay")
        .register(registry);
  }

  /** Configures a {@link TokenValidator}. Not thread-safe; {@link #build()} validates. */
  public static final class Builder {
    private @Nullable String issuer;
    private @Nullable String audience;
    private @Nullable JwksSource jwks;
    private @Nullable RevocationView revocations;
    private Set<JWSAlgorithm> algorithms = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.RS256);
    private Duration clockSkew = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private Duration maxStaleness = Duration.ofSeconds(30);
    private long signatureCacheSize = 100_000;
    private int maxTokenBytes = 8192;
    private Duration dpopMaxAge = Duration.ofSeconds(60);
    private long dpopReplayCacheSize = 1_000_000;
    private DecisionListener listener = DecisionListener.NONE;
    private RevocationFallback fallback = RevocationFallback.NONE;

    private Builder() {}

    /**
     * Who to ask when the revocation view is not ready or stale (default: nobody, so such decisions
     * deny with {@code FEED_STALE}).
     */
    public Builder revocationFallback(RevocationFallback fallback) {
      this.fallback = requireNonNull(fallback, "fallback");
      return this;
    }

    /** The trusted issuer: {@code iss} must equal it. Required. */
    public Builder issuer(String issuer) {
      this.issuer = requireNonNull(issuer, "issuer");
      return this;
    }

    /** This resource server: {@code aud} must include it. Required. */
    public Builder audience(String audience) {
      this.audience = requireNonNull(audience, "audience");
      return this;
    }

    /** The issuer's keys. Required. */
    public Builder jwks(JwksSource jwks) {
      this.jwks = requireNonNull(jwks, "jwks");
      return this;
    }

    /**
     * What is revoked and how fresh that is. Required: pass {@link RevocationView#none()} to opt
     * out of revocation checks explicitly.
     */
    public Builder revocations(RevocationView revocations) {
      this.revocations = requireNonNull(revocations, "revocations");
      return this;
    }

    /**
     * The algorithm allow-list; default {@code EdDSA} and {@code RS256}. Only {@link
     * #SUPPORTED_ALGORITHMS} may be named.
     */
    public Builder algorithms(Set<JWSAlgorithm> algorithms) {
      this.algorithms = Set.copyOf(requireNonNull(algorithms, "algorithms"));
      return this;
    }

    /** Tolerance for clocks that disagree, applied to {@code exp}, {@code nbf}, {@code iat}. */
    public Builder clockSkew(Duration clockSkew) {
      this.clockSkew = requireNonNull(clockSkew, "clockSkew");
      return this;
    }

    /** The time source; default the system clock in UTC. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** Deny with {@code FEED_STALE} when the revocation view last caught up longer ago. */
    public Builder maxStaleness(Duration maxStaleness) {
      this.maxStaleness = requireNonNull(maxStaleness, "maxStaleness");
      return this;
    }

    /** Bound on tokens remembered as verified; default 100 000; 0 verifies every time. */
    public Builder signatureCacheSize(long size) {
      this.signatureCacheSize = size;
      return this;
    }

    /** Tokens (and DPoP proofs) longer than this are denied unread; default 8192. */
    public Builder maxTokenBytes(int bytes) {
      this.maxTokenBytes = bytes;
      return this;
    }

    /** How old a DPoP proof's {@code iat} may be; default 60 s. */
    public Builder dpopMaxAge(Duration maxAge) {
      this.dpopMaxAge = requireNonNull(maxAge, "maxAge");
      return this;
    }

    /**
     * Bound on DPoP proof ids remembered against replay; default 1 000 000. When it is full of ids
     * still inside their window, further proofs are denied {@code INVALID_PROOF} rather than an id
     * being forgotten early (see {@link DpopVerifier}).
     */
    public Builder dpopReplayCacheSize(long size) {
      this.dpopReplayCacheSize = size;
      return this;
    }

    /** Told of every decision, e.g. a usage reporter; default none. */
    public Builder listener(DecisionListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * A validator.
     *
     * @throws IllegalStateException listing every missing or invalid setting
     */
    public TokenValidator build() {
      List<String> problems = new ArrayList<>();
      if (issuer == null || issuer.isBlank()) {
        problems.add("issuer is required");
      }
      if (audience == null || audience.isBlank()) {
        problems.add("audience is required");
      }
      if (jwks == null) {
        problems.add("jwks is required");
      }
      if (revocations == null) {
        problems.add("revocations is required (RevocationView.none() to opt out)");
      }
      if (algorithms.isEmpty()) {
        problems.add("algorithms must not be empty");
      }
      for (JWSAlgorithm alg : algorithms) {
        if (!SUPPORTED_ALGORITHMS.contains(alg)) {
          problems.add("algorithm not allowed (asymmetric only): " + alg);
        }
      }
      if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(10)) > 0) {
        problems.add("clockSkew must be within 0..10 min: " + clockSkew);
      }
      if (maxStaleness.isNegative() || maxStaleness.isZero()) {
        problems.add("maxStaleness must be positive: " + maxStaleness);
      }
      if (signatureCacheSize < 0) {
        problems.add("signatureCacheSize must be >= 0: " + signatureCacheSize);
      }
      if (maxTokenBytes < 256) {
        problems.add("maxTokenBytes must be >= 256: " + maxTokenBytes);
      }
      if (dpopMaxAge.isNegative() || dpopMaxAge.isZero()) {
        problems.add("dpopMaxAge must be positive: " + dpopMaxAge);
      }
      if (dpopReplayCacheSize < 1) {
        problems.add("dpopReplayCacheSize must be >= 1: " + dpopReplayCacheSize);
      }
      if (!problems.isEmpty()) {
        throw new IllegalStateException(
            "Invalid token validator settings: " + String.join("; ", problems));
      }
      return new TokenValidator(this);
    }
  }
}
