package io.tokenwatch.bench.validator;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/** Signing keys and access tokens shaped like the issuer's, for benchmarks. */
final class BenchTokens {
  static final String ISSUER = "https://issuer.example";
  static final String AUDIENCE = "https://api.example";

  private final OctetKeyPair ed;
  private final RSAKey rsa;

  BenchTokens() {
    try {
      ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed-1").generate();
      rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  JWKSet publicKeys() {
    return new JWKSet(List.of(ed.toPublicJWK(), rsa.toPublicJWK()));
  }

  JWSVerifier verifier(String alg) throws JOSEException {
    return alg.equals("EdDSA") ? new Ed25519Verifier(ed.toPublicJWK()) : new RSASSAVerifier(rsa);
  }

  String token(String alg, Instant now) {
    try {
      boolean eddsa = alg.equals("EdDSA");
      JWSSigner signer = eddsa ? new Ed25519Signer(ed) : new RSASSASigner(rsa);
      JWSHeader header =
          new JWSHeader.Builder(eddsa ? JWSAlgorithm.EdDSA : JWSAlgorithm.RS256)
              .type(new JOSEObjectType("at+jwt"))
              .keyID(eddsa ? "ed-1" : "rsa-1")
              .build();
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer(ISSUER)
              .subject("alice")
              .audience(AUDIENCE)
              .issueTime(Date.from(now))
              .notBeforeTime(Date.from(now))
              .expirationTime(Date.from(now.plusSeconds(3600)))
              .jwtID(UUID.randomUUID().toString())
              .claim("client_id", "app-1")
              .claim("scope", "orders:read orders:write")
              .claim("grant_id", "grant-" + UUID.randomUUID())
              .claim("policy_id", "default")
              .claim("policy_version", "sha256:4f1c")
              .build();
      SignedJWT jwt = new SignedJWT(header, claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
