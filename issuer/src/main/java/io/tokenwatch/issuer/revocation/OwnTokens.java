package io.tokenwatch.issuer.revocation;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.issuer.TokenMinter;
import io.tokenwatch.keys.SigningKey;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.VerifiedToken;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Verifies access tokens this issuer signed (subject tokens of a token exchange, tokens presented
 * for revocation): {@code typ at+jwt}, a published key with the algorithm it was made for, a good
 * signature, this issuer, not expired, whatever the audience. {@link #checkLive} also asks the
 * revocation feed, with the validator library's matching rule (docs/TOKENS.md), and fails closed
 * while the feed is not ready or stale. Thread-safe.
 */
public final class OwnTokens {

  private final SigningKeys keys;
  private final String issuer;
  private final Clock clock;
  private final RevocationCheck revocations;

  /**
   * @param keys the issuer's signing keys
   * @param issuer the issuer URL ({@code iss})
   * @param clock the time source
   * @param revocations the revocations the issuer follows; {@link RevocationView#none()} only to
   *     opt out of revocation checks deliberately
   * @param maxStaleness {@link #checkLive} refuses to decide when the revocations were last caught
   *     up longer ago
   */
  public OwnTokens(
      SigningKeys keys,
      String issuer,
      Clock clock,
      RevocationView revocations,
      Duration maxStaleness) {
    this.keys = requireNonNull(keys, "keys");
    this.issuer = requireNonNull(issuer, "issuer");
    this.clock = requireNonNull(clock, "clock");
    this.revocations = new RevocationCheck(revocations, clock, maxStaleness);
  }

  /** What {@link #checkLive} found. */
  public sealed interface LiveCheck {

    /** A live, unrevoked access token of this issuer. */
    record Live(JWTClaimsSet claims) implements LiveCheck {
      public Live {
        requireNonNull(claims, "claims");
      }
    }

    /** Not a live access token of this issuer (bad signature, expired, malformed...). */
    record Invalid() implements LiveCheck {}

    /** Verified, but a live revocation covers it. */
    record Revoked(JWTClaimsSet claims, String selector) implements LiveCheck {
      public Revoked {
        requireNonNull(claims, "claims");
        requireNonNull(selector, "selector");
      }
    }

    /** Verified, but the revocation feed is not ready or stale: nobody can tell (fail closed). */
    record Undecidable(JWTClaimsSet claims, String detail) implements LiveCheck {
      public Undecidable {
        requireNonNull(claims, "claims");
        requireNonNull(detail, "detail");
      }
    }
  }

  /**
   * Whether {@code token} is a live access token of this issuer that no live revocation covers (by
   * token id, grant, lineage, subject, client or audience, with watermarks).
   */
  public LiveCheck checkLive(String token) {
    requireNonNull(token, "token");
    Optional<VerifiedClaims> verified = verifyWithKid(token, true);
    if (verified.isEmpty()) {
      return new LiveCheck.Invalid();
    }
    JWTClaimsSet claims = verified.get().claims();
    VerifiedToken view = toVerifiedToken(claims, verified.get().kid());
    if (view == null) {
      return new LiveCheck.Invalid();
    }
    RevocationCheck.Verdict verdict = revocations.token(view);
    if (verdict instanceof RevocationCheck.Verdict.Revoked revoked) {
      return new LiveCheck.Revoked(claims, revoked.selector());
    }
    if (verdict instanceof RevocationCheck.Verdict.Undecidable undecidable) {
      return new LiveCheck.Undecidable(claims, undecidable.detail());
    }
    return new LiveCheck.Live(claims);
  }

  /**
   * The claims of {@code token} if it is a live access token of this issuer, else empty. Does not
   * consult revocations: see {@link #checkLive}.
   */
  public Optional<JWTClaimsSet> verify(String token) {
    return verify(token, true);
  }

  /**
   * Like {@link #verify(String)}; {@code requireLive} false also accepts expired tokens (a client
   * may revoke one; it does no harm).
   */
  public Optional<JWTClaimsSet> verify(String token, boolean requireLive) {
    return verifyWithKid(token, requireLive).map(VerifiedClaims::claims);
  }

  private record VerifiedClaims(JWTClaimsSet claims, String kid) {}

  private Optional<VerifiedClaims> verifyWithKid(String token, boolean requireLive) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!TokenMinter.AT_JWT.equals(jwt.getHeader().getType())) {
        return Optional.empty();
      }
      String kid = jwt.getHeader().getKeyID();
      SigningKey key = kid == null ? null : keys.published().get(kid);
      if (kid == null
          || key == null
          || !key.algorithm().jws().equals(jwt.getHeader().getAlgorithm())) {
        return Optional.empty();
      }
      JWSVerifier verifier = keys.verifier(kid).orElse(null);
      if (verifier == null || !jwt.verify(verifier)) {
        return Optional.empty();
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Date exp = claims.getExpirationTime();
      if (!issuer.equals(claims.getIssuer())
          || exp == null
          || claims.getJWTID() == null
          || claims.getSubject() == null
          || (requireLive && !exp.toInstant().isAfter(clock.instant()))) {
        return Optional.empty();
      }
      return Optional.of(new VerifiedClaims(claims, kid));
    } catch (ParseException | JOSEException | IllegalStateException e) {
      return Optional.empty();
    }
  }

  /**
   * The claims as the validator library sees them, for its revocation matching; null when a claim
   * every token of this issuer carries is missing.
   */
  private static @Nullable VerifiedToken toVerifiedToken(JWTClaimsSet claims, String kid) {
    try {
      String clientId = claims.getStringClaim("client_id");
      Date iat = claims.getIssueTime();
      if (clientId == null || iat == null) {
        return null;
      }
      String scope = claims.getStringClaim("scope");
      List<String> lineage = claims.getStringListClaim("lineage");
      Map<String, Object> act = claims.getJSONObjectClaim("act");
      Map<String, Object> cnf = claims.getJSONObjectClaim("cnf");
      return new VerifiedToken(
          requireNonNull(claims.getJWTID()),
          requireNonNull(claims.getIssuer()),
          requireNonNull(claims.getSubject()),
          claims.getAudience(),
          clientId,
          scope == null || scope.isBlank()
              ? Set.of()
              : Set.copyOf(Arrays.asList(scope.trim().split(" +"))),
          iat.toInstant(),
          claims.getNotBeforeTime() == null ? null : claims.getNotBeforeTime().toInstant(),
          requireNonNull(claims.getExpirationTime()).toInstant(),
          claims.getIntegerClaim("max_uses"),
          claims.getStringClaim("grant_id"),
          claims.getStringClaim("policy_id"),
          claims.getStringClaim("policy_version"),
          member(cnf, "jkt"),
          member(cnf, "x5t#S256"),
          member(act, "sub"),
          member(act, "client_id"),
          claims.getStringClaim("parent_jti"),
          lineage == null ? List.of() : lineage,
          kid);
    } catch (ParseException | IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }

  private static @Nullable String member(@Nullable Map<String, Object> map, String name) {
    return map != null && map.get(name) instanceof String value ? value : null;
  }
}
