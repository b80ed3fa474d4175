package io.tokenwatch.validator;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.Deque;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Verifies DPoP proofs (RFC 9449 section 4.3): the one implementation behind the issuer's token
 * endpoint and every validator, so both refuse exactly the same proofs.
 *
 * <p>A proof is accepted only if it is a JWS of {@code typ} {@code dpop+jwt}, signed with an
 * algorithm of {@link #ALGORITHMS} by the public asymmetric key in its own {@code jwk} header (no
 * private members, RSA at least 2048 bits); carries a non-blank string {@code jti} (at most {@value
 * #MAX_JTI_LENGTH} characters), {@code htm} equal to the request's method, {@code htu} equal to the
 * request's URI once both are normalized (RFC 3986 sections 6.2.2 and 6.2.3; query and fragment
 * ignored) and {@code iat} within the {@link Window}; for a resource request also {@code ath}
 * matching the access token and a key whose RFC 7638 thumbprint is the token's {@code cnf.jkt}; and
 * its {@code jti} has not been accepted before for that key.
 *
 * <p>Replay cache: each accepted proof's {@code jti} is remembered until the proof's {@code iat}
 * leaves the window, when the proof would be refused as too old anyway. The cache holds at most
 * {@code replayCacheSize} ids; when every one of them is still live, further proofs are refused
 * ({@link Reason#INVALID}, "replay cache full") rather than an id being forgotten early. Ids are
 * remembered per instance: a proof replayed to another instance is caught only by the window.
 * Server-issued nonces are not supported.
 *
 * <p>Thread-safe.
 */
public final class DpopVerifier {

  /** Asymmetric algorithms accepted for proofs: never {@code none}, never HMAC. */
  public static final Set<JWSAlgorithm> ALGORITHMS =
      Set.of(
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.ES512,
          JWSAlgorithm.EdDSA,
          JWSAlgorithm.Ed25519,
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512);

  /** Longest {@code jti} accepted; RFC 9449 asks for 96 random bits, a few dozen characters. */
  public static final int MAX_JTI_LENGTH = 256;

  private static final int MIN_RSA_BITS = 2048;
  private static final JOSEObjectType DPOP_JWT = new JOSEObjectType("dpop+jwt");

  /**
   * When a proof's {@code iat} is acceptable: from {@code past} before now to {@code future} after
   * it, both inclusive.
   */
  public record Window(Duration past, Duration future) {
    public Window {
      requireNonNull(past, "past");
      requireNonNull(future, "future");
      if (past.isNegative() || future.isNegative() || past.plus(future).isZero()) {
        throw new IllegalArgumentException(
            "a DPoP window needs non-negative bounds, not both zero: " + past + ", " + future);
      }
    }

    /** Up to {@code maxAge} old, with {@code clockSkew} tolerated either way. */
    public static Window of(Duration maxAge, Duration clockSkew) {
      return new Window(maxAge.plus(clockSkew), clockSkew);
    }

    /** Within {@code bound} of now, either way. */
    public static Window symmetric(Duration bound) {
      return new Window(bound, bound);
    }
  }

  /** Why a proof was refused. */
  public enum Reason {
    /** The proof is malformed, wrongly signed, not for this request, or out of its window. */
    INVALID,
    /** The proof was accepted before ({@code jti} seen for this key within the window). */
    REPLAYED,
    /** The proof is good, but its key is not the one the access token is bound to. */
    WRONG_KEY
  }

  /** Outcome of verifying a proof. */
  public sealed interface Result permits Valid, Invalid {}

  /**
   * The proof is good.
   *
   * @param jkt the RFC 7638 SHA-256 thumbprint of its key (base64url)
   */
  public record Valid(String jkt) implements Result {
    public Valid {
      requireNonNull(jkt, "jkt");
    }
  }

  /**
   * The proof is refused.
   *
   * @param reason the class of refusal
   * @param detail what exactly is wrong, fit for an error description (never the proof itself)
   */
  public record Invalid(Reason reason, String detail) implements Result {
    public Invalid {
      requireNonNull(reason, "reason");
      requireNonNull(detail, "detail");
    }
  }

  private final Clock clock;
  private final Window window;
  private final int maxProofBytes;
  private final ReplayCache seen;

  /**
   * @param clock the time source for the window and the replay cache
   * @param window when a proof's {@code iat} is acceptable
   * @param maxProofBytes longer proofs are refused unread
   * @param replayCacheSize bound on proof ids remembered (at least 1)
   * @throws IllegalArgumentException if a bound is out of range
   */
  public DpopVerifier(Clock clock, Window window, int maxProofBytes, long replayCacheSize) {
    this.clock = requireNonNull(clock, "clock");
    this.window = requireNonNull(window, "window");
    if (maxProofBytes < 256) {
      throw new IllegalArgumentException("maxProofBytes must be at least 256: " + maxProofBytes);
    }
    this.maxProofBytes = maxProofBytes;
    this.seen = new ReplayCache(replayCacheSize);
  }

  /**
   * Verifies a proof sent with a request that presents no access token, such as a token request
   * (RFC 9449 section 5). An {@code ath} claim, if present, is ignored.
   *
   * @param proof the {@code DPoP} header
   * @param method the request's method, e.g. {@code POST}
   * @param uri the request's absolute URI as the client addressed it
   */
  public Result verifyTokenRequest(String proof, String method, String uri) {
    requireNonNull(proof, "proof");
    requireNonNull(method, "method");
    requireNonNull(uri, "uri");
    return verify(proof, method, uri, null, null);
  }

  /**
   * Verifies a proof sent with a request to a protected resource presenting {@code accessToken}
   * bound to the key with thumbprint {@code jkt} (RFC 9449 section 7).
   *
   * @param proof the {@code DPoP} header
   * @param method the request's method, e.g. {@code GET}
   * @param uri the request's absolute URI as the client addressed it
   * @param accessToken the access token presented, which {@code ath} must hash
   * @param jkt the token's {@code cnf.jkt}
   */
  public Result verifyResourceRequest(
      String proof, String method, String uri, String accessToken, String jkt) {
    requireNonNull(proof, "proof");
    requireNonNull(method, "method");
    requireNonNull(uri, "uri");
    requireNonNull(accessToken, "accessToken");
    requireNonNull(jkt, "jkt");
    return verify(proof, method, uri, accessToken, jkt);
  }

  /** Proof ids remembered now, for a gauge. */
  public int replayCacheSize() {
    return seen.size();
  }

  /**
   * {@code ath}: the base64url SHA-256 of the access token's ASCII bytes (RFC 9449 section 4.2).
   */
  public static String accessTokenHash(String accessToken) {
    requireNonNull(accessToken, "accessToken");
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(accessToken.getBytes(StandardCharsets.US_ASCII));
      return Base64URL.encode(digest).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private Result verify(
      String proof,
      String method,
      String uri,
      @Nullable String accessToken,
      @Nullable String boundJkt) {
    if (proof.length() > maxProofBytes) {
      return invalid("the DPoP proof is larger than " + maxProofBytes + " bytes");
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(proof);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return invalid("the DPoP proof is not a signed JWT");
    }
    if (!DPOP_JWT.equals(jwt.getHeader().getType())) {
      return invalid("the DPoP proof's typ is not dpop+jwt");
    }
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    if (!ALGORITHMS.contains(alg)) {
      return invalid("the DPoP proof's algorithm is not allowed: " + alg);
    }
    JWK key = jwt.getHeader().getJWK();
    if (!(key instanceof AsymmetricJWK) || key.isPrivate()) {
      return invalid("the DPoP proof must carry a public asymmetric key, and only it, in its jwk");
    }
    if (key instanceof RSAKey rsa && rsa.size() < MIN_RSA_BITS) {
      return invalid("the DPoP proof's RSA key is shorter than " + MIN_RSA_BITS + " bits");
    }
    JWSVerifier verifier = JwksSource.verifierFor(key);
    try {
      if (verifier == null
          || !verifier.supportedJWSAlgorithms().contains(alg)
          || !jwt.verify(verifier)) {
        return invalid("the DPoP proof's signature does not verify with its jwk");
      }
    } catch (JOSEException | IllegalStateException e) {
      return invalid("the DPoP proof's signature does not verify with its jwk");
    }
    if (!(claims.getClaim("jti") instanceof String jti) || jti.isBlank()) {
      return invalid("the DPoP proof has no jti, or a blank one");
    }
    if (jti.length() > MAX_JTI_LENGTH) {
      return invalid("the DPoP proof's jti is longer than " + MAX_JTI_LENGTH + " characters");
    }
    if (!(claims.getClaim("htm") instanceof String htm) || !htm.equals(method)) {
      return invalid("the DPoP proof's htm is not " + method);
    }
    String expectedUri = normalizedHtu(uri);
    if (!(claims.getClaim("htu") instanceof String htu)
        || expectedUri == null
        || !expectedUri.equals(normalizedHtu(htu))) {
      return invalid("the DPoP proof's htu does not name this request's URI");
    }
    @SuppressWarnings("JavaUtilDate") // nimbus hands the claim over as a Date
    Date iat = claims.getIssueTime();
    if (iat == null) {
      return invalid("the DPoP proof has no iat");
    }
    @SuppressWarnings("JavaUtilDate")
    long issued = iat.getTime();
    long now = clock.millis();
    long expiresAt = issued + window.past().toMillis();
    if (issued > now + window.future().toMillis()) {
      return invalid("the DPoP proof's iat is in the future, beyond the allowed clock skew");
    }
    if (expiresAt < now) {
      return invalid("the DPoP proof's iat is too old");
    }
    String jkt;
    try {
      jkt = key.computeThumbprint().toString();
    } catch (JOSEException e) {
      return invalid("the DPoP proof's key has no thumbprint");
    }
    if (accessToken != null && boundJkt != null) {
      if (!(claims.getClaim("ath") instanceof String ath)
          || !MessageDigest.isEqual(
              accessTokenHash(accessToken).getBytes(StandardCharsets.US_ASCII),
              ath.getBytes(StandardCharsets.US_ASCII))) {
        return invalid("the DPoP proof's ath does not hash the access token");
      }
      if (!MessageDigest.isEqual(
          jkt.getBytes(StandardCharsets.US_ASCII), boundJkt.getBytes(StandardCharsets.US_ASCII))) {
        return new Invalid(
            Reason.WRONG_KEY, "the DPoP proof's key is not the key the token is bound to");
      }
    }
    // Last, so that a proof refused for another reason does not use up its id.
    return switch (seen.remember(jkt + ' ' + jti, expiresAt, now)) {
      case REMEMBERED -> new Valid(jkt);
      case SEEN -> new Invalid(Reason.REPLAYED, "the DPoP proof was used before");
      case FULL -> invalid("the DPoP replay cache is full; try again with a fresh proof");
    };
  }

  private static Invalid invalid(String detail) {
    return new Invalid(Reason.INVALID, detail);
  }

  /**
   * An absolute http(s) URI as RFC 9449 compares {@code htu}: scheme and host lower-cased, the
   * default port dropped, percent-encodings upper-cased and unreserved ones decoded, dot segments
   * removed, an empty path made {@code /}, query and fragment dropped (RFC 3986 sections 6.2.2 and
   * 6.2.3). {@code null} when it is not such a URI or carries user information.
   */
  static @Nullable String normalizedHtu(String uri) {
    URI u;
    try {
      u = new URI(uri);
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      return null;
    }
    if (u.getHost() == null || u.getRawUserInfo() != null) {
      return null;
    }
    int port = u.getPort();
    if ((scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80)) {
      port = -1;
    }
    String path = normalizedEncoding(u.getRawPath());
    if (path == null) {
      return null;
    }
    path = removeDotSegments(path);
    return scheme
        + "://"
        + u.getHost().toLowerCase(Locale.ROOT)
        + (port == -1 ? "" : ":" + port)
        + (path.isEmpty() ? "/" : path);
  }

  private static @Nullable String normalizedEncoding(@Nullable String rawPath) {
    if (rawPath == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(rawPath.length());
    for (int i = 0; i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      if (c != '%') {
        out.append(c);
        continue;
      }
      if (i + 2 >= rawPath.length()) {
        return null;
      }
      int hi = Character.digit(rawPath.charAt(i + 1), 16);
      int lo = Character.digit(rawPath.charAt(i + 2), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      char decoded = (char) (hi * 16 + lo);
      if (isUnreserved(decoded)) {
        out.append(decoded);
      } else {
        out.append('%').append(Character.toUpperCase(rawPath.charAt(i + 1)));
        out.append(Character.toUpperCase(rawPath.charAt(i + 2)));
      }
      i += 2;
    }
    return out.toString();
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  /** RFC 3986 section 5.2.4, on a path of segments. */
  private static String removeDotSegments(String path) {
    Deque<String> output = new ArrayDeque<>();
    String[] segments = path.split("/", -1);
    for (int i = 1; i < segments.length; i++) {
      String segment = segments[i];
      boolean last = i == segments.length - 1;
      if (segment.equals(".")) {
        if (last) {
          output.addLast("");
        }
      } else if (segment.equals("..")) {
        output.pollLast();
        if (last) {
          output.addLast("");
        }
      } else {
        output.addLast(segment);
      }
    }
    return output.isEmpty() ? "" : "/" + String.join("/", output);
  }
}
