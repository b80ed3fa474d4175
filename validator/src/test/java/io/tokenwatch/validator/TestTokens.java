package io.tokenwatch.validator;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/**
 * Keys and signed tokens for tests: Ed25519 (through Tink) and RS256 access tokens, DPoP proofs.
 */
public final class TestTokens {

  public static final String ISSUER = "https://issuer.example";
  public static final String AUDIENCE = "https://api.example";
  public static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");

  public final OctetKeyPair edKey;
  public final RSAKey rsaKey;
  public final ECKey dpopKey;

  public TestTokens() {
    try {
      edKey = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed-1").generate();
      rsaKey = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
      dpopKey = new ECKeyGenerator(Curve.P_256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The issuer's public key set. */
  public JWKSet publicKeys() {
    return new JWKSet(java.util.List.of(edKey.toPublicJWK(), rsaKey.toPublicJWK()));
  }

  /** Claims of a valid token issued at {@code now}, valid 10 minutes, scopes {@code read write}. */
  public static JWTClaimsSet.Builder claims(Instant now) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject("alice")
        .audience(AUDIENCE)
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(600)))
        .jwtID(UUID.randomUUID().toString())
        .claim("client_id", "app-1")
        .claim("scope", "read write")
        .claim("grant_id", "grant-1")
        .claim("policy_id", "default")
        .claim("policy_version", "v1");
  }

  /** An EdDSA access token. */
  public String sign(JWTClaimsSet claims) {
    return sign(header(JWSAlgorithm.EdDSA, "ed-1").build(), claims, edSigner());
  }

  /** An RS256 access token. */
  public String signRsa(JWTClaimsSet claims) {
    try {
      return sign(header(JWSAlgorithm.RS256, "rsa-1").build(), claims, new RSASSASigner(rsaKey));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static JWSHeader.Builder header(JWSAlgorithm alg, String kid) {
    return new JWSHeader.Builder(alg).type(AT_JWT).keyID(kid);
  }

  public JWSSigner edSigner() {
    try {
      return new Ed25519Signer(edKey);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sign(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) {
    try {
      SignedJWT jwt = new SignedJWT(header, claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The RFC 7638 thumbprint of the DPoP key, for {@code cnf.jkt}. */
  public String dpopThumbprint() {
    try {
      return dpopKey.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code cnf} binding the token to the DPoP key. */
  public Map<String, Object> dpopCnf() {
    return Map.of("jkt", dpopThumbprint());
  }

  /** Claims of a DPoP proof for a request, signed with the DPoP key. */
  public static JWTClaimsSet.Builder proofClaims(
      String method, String uri, String accessToken, Instant iat) {
    return new JWTClaimsSet.Builder()
        .jwtID(UUID.randomUUID().toString())
        .claim("htm", method)
        .claim("htu", uri)
        .issueTime(Date.from(iat))
        .claim("ath", DpopVerifier.accessTokenHash(accessToken));
  }

  /** A DPoP proof signed with {@code key}, carrying its public part. */
  public static String proof(ECKey key, JWTClaimsSet claims) {
    try {
      JWSHeader header =
          new JWSHeader.Builder(JWSAlgorithm.ES256)
              .type(new JOSEObjectType("dpop+jwt"))
              .jwk(key.toPublicJWK())
              .build();
      return sign(header, claims, new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A DPoP proof with the test DPoP key. */
  public String proof(String method, String uri, String accessToken, Instant iat) {
    return proof(dpopKey, proofClaims(method, uri, accessToken, iat).build());
  }
}
