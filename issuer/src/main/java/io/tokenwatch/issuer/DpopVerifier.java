package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.IssuanceDenyReason;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies DPoP proofs (RFC 9449 section 4.3): a {@code dpop+jwt} signed with an asymmetric key
 * carried in its own {@code jwk} header, for this method and URL, fresh ({@code iat} within the
 * window) and never seen before ({@code jti}).
 *
 * <p>Replays are remembered in memory for twice the window, per issuer instance: a proof replayed
 * to another instance is caught only by the {@code iat} window. Thread-safe.
 */
public final class DpopVerifier {

  private static final JOSEObjectType DPOP_JWT = new JOSEObjectType("dpop+jwt");
  private static final Set<JWSAlgorithm> ALGORITHMS =
      Set.of(
          JWSAlgorithm.EdDSA,
          JWSAlgorithm.Ed25519,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.RS256,
          JWSAlgorithm.PS256);
  private static final int MAX_REMEMBERED = 100_000;

  /** Outcome of verifying a proof. */
  public sealed interface Result {
    /** The proof is good; {@code jkt} is the RFC 7638 thumbprint of its key. */
    record Valid(String jkt) implements Result {}

    /** It is not; {@code reason} is INVALID_DPOP_PROOF or DPOP_PROOF_REPLAYED. */
    record Invalid(IssuanceDenyReason reason, String detail) implements Result {}
  }

  private final Clock clock;
  private final Duration window;
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();

  /**
   * @param clock the time source
   * @param window how far {@code iat} may be from now, either way
   */
  public DpopVerifier(Clock clock, Duration window) {
    this.clock = requireNonNull(clock, "clock");
    this.window = requireNonNull(window, "window");
  }

  /**
   * Verifies {@code proof} for a request of {@code method} to {@code url}.
   *
   * @param url the request URL; query and fragment are ignored, as RFC 9449 says
   */
  public Result verify(String proof, String method, String url) {
    requireNonNull(proof, "proof");
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(proof);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return invalid("the DPoP proof is not a signed JWT");
    }
    var header = jwt.getHeader();
    if (!DPOP_JWT.equals(header.getType())) {
      return invalid("the DPoP proof must have typ dpop+jwt");
    }
    if (!ALGORITHMS.contains(header.getAlgorithm())) {
      return invalid("the DPoP proof must be signed with an asymmetric algorithm");
    }
    JWK jwk = header.getJWK();
    if (!(jwk instanceof AsymmetricJWK) || jwk.isPrivate()) {
      return invalid("the DPoP proof must carry a public key in its jwk header");
    }
    try {
      JWSVerifier verifier =
          jwk instanceof OctetKeyPair okp
              ? new Ed25519Verifier(okp)
              : new DefaultJWSVerifierFactory()
                  .createJWSVerifier(header, ((AsymmetricJWK) jwk).toPublicKey());
      if (!jwt.verify(verifier)) {
        return invalid("the DPoP proof's signature does not verify");
      }
    } catch (JOSEException | IllegalStateException e) {
      return invalid("the DPoP proof's signature cannot be verified");
    }
    if (!method.equalsIgnoreCase(stringClaim(claims, "htm"))) {
      return invalid("the DPoP proof's htm does not match " + method);
    }
    if (!sameUrl(stringClaim(claims, "htu"), url)) {
      return invalid("the DPoP proof's htu does not match " + url);
    }
    Date iat = claims.getIssueTime();
    Instant now = clock.instant();
    if (iat == null
        || iat.toInstant().isBefore(now.minus(window))
        || iat.toInstant().isAfter(now.plus(window))) {
      return invalid("the DPoP proof's iat is missing or outside the accepted window");
    }
    String jti = claims.getJWTID();
    if (jti == null || jti.isBlank()) {
      return invalid("the DPoP proof has no jti");
    }
    String jkt;
    try {
      jkt = jwk.computeThumbprint().toString();
    } catch (JOSEException e) {
      return invalid("the DPoP proof's key has no thumbprint");
    }
    if (seen.size() > MAX_REMEMBERED) {
      seen.values().removeIf(expiry -> expiry.isBefore(now));
    }
    if (seen.putIfAbsent(jkt + ' ' + jti, now.plus(window.multipliedBy(2))) != null) {
      return new Result.Invalid(
          IssuanceDenyReason.DPOP_PROOF_REPLAYED, "the DPoP proof was used before");
    }
    return new Result.Valid(jkt);
  }

  private static String stringClaim(JWTClaimsSet claims, String name) {
    Object value = claims.getClaim(name);
    return value instanceof String text ? text : "";
  }

  private static boolean sameUrl(String htu, String url) {
    try {
      URI a = URI.create(htu);
      URI b = URI.create(url);
      return a.getScheme() != null
          && a.getScheme().equalsIgnoreCase(b.getScheme())
          && a.getHost() != null
          && a.getHost().equalsIgnoreCase(b.getHost())
          && port(a) == port(b)
          && a.getRawPath().equals(b.getRawPath());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static int port(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static Result invalid(String detail) {
    return new Result.Invalid(IssuanceDenyReason.INVALID_DPOP_PROOF, detail);
  }
}
