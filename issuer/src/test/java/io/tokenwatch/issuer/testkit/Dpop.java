package io.tokenwatch.issuer.testkit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/** A client's DPoP key making proofs (RFC 9449). */
public final class Dpop {
  private final ECKey key;

  public Dpop() {
    try {
      key = new ECKeyGenerator(Curve.P_256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public String thumbprint() {
    try {
      return key.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public String proof(String method, String url, Instant iat) {
    return proof(method, url, iat, UUID.randomUUID().toString(), "dpop+jwt");
  }

  /** A proof for a resource request presenting {@code accessToken} ({@code ath}, RFC 9449 4.2). */
  public String proofFor(String method, String url, Instant iat, String accessToken) {
    try {
      byte[] hash =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(accessToken.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return sign(
          method,
          url,
          iat,
          UUID.randomUUID().toString(),
          "dpop+jwt",
          com.nimbusds.jose.util.Base64URL.encode(hash).toString());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String proof(String method, String url, Instant iat, String jti, String typ) {
    return sign(method, url, iat, jti, typ, null);
  }

  private String sign(
      String method,
      String url,
      Instant iat,
      String jti,
      String typ,
      @org.jspecify.annotations.Nullable String ath) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.ES256)
                  .type(new JOSEObjectType(typ))
                  .jwk(key.toPublicJWK())
                  .build(),
              new JWTClaimsSet.Builder()
                  .claim("htm", method)
                  .claim("htu", url)
                  .issueTime(Date.from(iat))
                  .jwtID(jti)
                  .claim("ath", ath)
                  .build());
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
