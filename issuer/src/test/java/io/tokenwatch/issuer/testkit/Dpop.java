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

  public String proof(String method, String url, Instant iat, String jti, String typ) {
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
                  .build());
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
