package io.tokenwatch.validator;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks DPoP proofs (RFC 9449 section 4.3) for one request: type, asymmetric algorithm, the public
 * key in the {@code jwk} header and the signature by it, {@code htm}/{@code htu} against the
 * request, {@code iat} within the window, {@code ath} against the access token, the key's RFC 7638
 * thumbprint against the token's {@code cnf.jkt}, and {@code jti} not seen before.
 *
 * <p>The replay cache is bounded: it keeps each proof id for the proof's whole acceptance window,
 * unless more than its capacity of proofs arrive within one window (then the oldest are forgotten
 * early). Server-issued nonces are not supported.
 */
final class DpopVerifier {

  static final JOSEObjectType DPOP_JWT = new JOSEObjectType("dpop+jwt");

  /** Asymmetric algorithms accepted for proofs; never {@code none}, never HMAC. */
  static final Set<JWSAlgorithm> ALGORITHMS =
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

  /** Why a proof was refused. */
  record Failure(DenyReason reason, String detail) {}

  private final long maxAgeMillis;
  private final long skewMillis;
  private final int maxProofBytes;
  private final Cache<String, Boolean> seen;

  DpopVerifier(Duration maxAge, Duration skew, int maxProofBytes, long replayCacheSize) {
    this.maxAgeMillis = maxAge.toMillis();
    this.skewMillis = skew.toMillis();
    this.maxProofBytes = maxProofBytes;
    this.seen =
        Caffeine.newBuilder()
            .maximumSize(replayCacheSize)
            .expireAfterWrite(maxAge.plus(skew).plus(skew))
            .build();
  }

  /** {@code null} when the proof is good for this request and token, else why not. */
  @Nullable Failure check(
      String proof, String method, String uri, String accessToken, String jkt, long nowMillis) {
    if (proof.length() > maxProofBytes) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof larger than the size limit");
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(proof);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof is not a signed JWT");
    }
    if (!DPOP_JWT.equals(jwt.getHeader().getType())) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof typ is not dpop+jwt");
    }
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    if (!ALGORITHMS.contains(alg)) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof algorithm not allowed: " + alg);
    }
    JWK key = jwt.getHeader().getJWK();
    if (key == null || key.isPrivate()) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof lacks a public jwk header");
    }
    JWSVerifier verifier = JwksSource.verifierFor(key);
    try {
      if (verifier == null
          || !verifier.supportedJWSAlgorithms().contains(alg)
          || !jwt.verify(verifier)) {
        return new Failure(DenyReason.INVALID_PROOF, "DPoP proof signature does not verify");
      }
    } catch (JOSEException | IllegalStateException e) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof signature does not verify");
    }
    Object jti = claims.getClaim("jti");
    Object htm = claims.getClaim("htm");
    Object htu = claims.getClaim("htu");
    Object ath = claims.getClaim("ath");
    Instant iat = issuedAt(claims);
    if (!(jti instanceof String proofId)
        || !(htm instanceof String proofMethod)
        || !(htu instanceof String proofUri)
        || !(ath instanceof String proofAth)
        || iat == null) {
      return new Failure(
          DenyReason.INVALID_PROOF, "DPoP proof lacks one of jti, htm, htu, iat, ath");
    }
    if (!proofMethod.equals(method)) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof htm does not match the method");
    }
    String expectedUri = normalize(uri);
    if (expectedUri == null || !expectedUri.equals(normalize(proofUri))) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof htu does not match the URI");
    }
    long issued = iat.toEpochMilli();
    if (issued > nowMillis + skewMillis) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof issued in the future");
    }
    if (issued < nowMillis - maxAgeMillis - skewMillis) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof too old");
    }
    if (!MessageDigest.isEqual(
        accessTokenHash(accessToken).getBytes(StandardCharsets.US_ASCII),
        proofAth.getBytes(StandardCharsets.US_ASCII))) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof ath does not match the token");
    }
    String thumbprint;
    try {
      thumbprint = key.computeThumbprint().toString();
    } catch (JOSEException e) {
      return new Failure(DenyReason.INVALID_PROOF, "DPoP proof key has no thumbprint");
    }
    if (!MessageDigest.isEqual(
        thumbprint.getBytes(StandardCharsets.US_ASCII), jkt.getBytes(StandardCharsets.US_ASCII))) {
      return new Failure(
          DenyReason.BINDING_MISMATCH, "DPoP proof key is not the key the token is bound to");
    }
    // Last, so that a proof refused for another reason does not use up its id.
    if (seen.asMap().putIfAbsent(thumbprint + ":" + proofId, Boolean.TRUE) != null) {
      return new Failure(DenyReason.PROOF_REPLAYED, "DPoP proof jti already used");
    }
    return null;
  }

  /** {@code ath}: base64url SHA-256 of the access token's ASCII bytes. */
  static String accessTokenHash(String accessToken) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(accessToken.getBytes(StandardCharsets.US_ASCII));
      return Base64URL.encode(digest).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /**
   * The URI without query and fragment, scheme and host lower-cased and default ports dropped (RFC
   * 9449 section 4.3 compares {@code htu} this way); {@code null} when not absolute.
   */
  static @Nullable String normalize(String uri) {
    try {
      URI u = new URI(uri);
      if (u.getScheme() == null || u.getHost() == null) {
        return null;
      }
      String scheme = u.getScheme().toLowerCase(Locale.ROOT);
      int port = u.getPort();
      if ((scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80)) {
        port = -1;
      }
      String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
      return scheme
          + "://"
          + u.getHost().toLowerCase(Locale.ROOT)
          + (port == -1 ? "" : ":" + port)
          + path;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private static @Nullable Instant issuedAt(JWTClaimsSet claims) {
    return claims.getIssueTime() == null ? null : claims.getIssueTime().toInstant();
  }
}
