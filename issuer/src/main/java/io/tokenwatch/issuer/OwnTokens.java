package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.issuer.keys.SigningKey;
import io.tokenwatch.issuer.keys.SigningKeys;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.Optional;

/**
 * Verifies access tokens this issuer signed (subject tokens of a token exchange, tokens presented
 * for revocation): {@code typ at+jwt}, a published key with the algorithm it was made for, a good
 * signature, this issuer, not expired. Revocation is not checked here: that needs the revocation
 * feed, which the validator library follows. Thread-safe.
 */
public final class OwnTokens {

  private final SigningKeys keys;
  private final String issuer;
  private final Clock clock;

  public OwnTokens(SigningKeys keys, String issuer, Clock clock) {
    this.keys = requireNonNull(keys, "keys");
    this.issuer = requireNonNull(issuer, "issuer");
    this.clock = requireNonNull(clock, "clock");
  }

  /** The claims of {@code token} if it is a live access token of this issuer, else empty. */
  public Optional<JWTClaimsSet> verify(String token) {
    return verify(token, true);
  }

  /**
   * Like {@link #verify(String)}; {@code requireLive} false also accepts expired tokens (a client
   * may revoke one; it does no harm).
   */
  public Optional<JWTClaimsSet> verify(String token, boolean requireLive) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!TokenMinter.AT_JWT.equals(jwt.getHeader().getType())) {
        return Optional.empty();
      }
      String kid = jwt.getHeader().getKeyID();
      SigningKey key = kid == null ? null : keys.published().get(kid);
      if (key == null || !key.algorithm().jws().equals(jwt.getHeader().getAlgorithm())) {
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
      return Optional.of(claims);
    } catch (ParseException | JOSEException | IllegalStateException e) {
      return Optional.empty();
    }
  }
}
