package io.tokenwatch.signals.receiver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

/**
 * An upstream transmitter's signing side, built on jose4j so that SETs are made by a different JOSE
 * library than the one verifying them: its keys, its JWKS and SETs with any defect.
 */
public final class UpstreamSets {

  public static final String ISSUER = "https://idp.example.com";
  public static final String AUDIENCE = "https://tokenwatch.example.com/ssf";
  public static final String SESSION_REVOKED =
      "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
  public static final String CREDENTIAL_CHANGE =
      "https://schemas.openid.net/secevent/caep/event-type/credential-change";
  public static final String ACCOUNT_DISABLED =
      "https://schemas.openid.net/secevent/risc/event-type/account-disabled";
  public static final String VERIFICATION =
      "https://schemas.openid.net/secevent/ssf/event-type/verification";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final EllipticCurveJsonWebKey ec;
  private final PublicJsonWebKey rsa;
  private final List<JsonWebKey> published = new ArrayList<>();

  public UpstreamSets() {
    try {
      ec = EcJwkGenerator.generateJwk(EllipticCurves.P256);
      ec.setKeyId("ec-1");
      rsa = RsaJwkGenerator.generateJwk(2048);
      rsa.setKeyId("rsa-1");
      published.add(ec);
      published.add(rsa);
    } catch (JoseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public JWKS, as the upstream serves it. */
  public String jwksJson() {
    return new JsonWebKeySet(published).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
  }

  /**
   * A verifier that trusts this upstream: ES256 SETs from {@link #ISSUER} for {@link #AUDIENCE}, at
   * most an hour old with 60 seconds of clock skew, of at most 8192 bytes, about the issuer's
   * {@code iss_sub} subjects, verified with the keys of {@link #jwksJson()} (read again at most
   * hourly).
   */
  public SetVerifier verifier(Clock clock) {
    return new SetVerifier(
        new ReceiverPolicy(
            ISSUER,
            AUDIENCE,
            Set.of("ES256"),
            Duration.ofHours(1),
            Duration.ofSeconds(60),
            8192,
            new SubjectMapping(Set.of(SubjectMapping.Format.ISS_SUB), ISSUER)),
        new UpstreamKeys(new TestKeys(this::jwksJson), Duration.ZERO, Duration.ofHours(1), clock));
  }

  /** Claims of a valid session-revoked SET about {@code sub} at {@code iat}. */
  public static Map<String, Object> claims(String sub, Instant iat) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", ISSUER);
    claims.put("aud", AUDIENCE);
    claims.put("iat", iat.getEpochSecond());
    claims.put("jti", UUID.randomUUID().toString());
    Map<String, Object> subject = new LinkedHashMap<>();
    subject.put("format", "iss_sub");
    subject.put("iss", ISSUER);
    subject.put("sub", sub);
    claims.put("sub_id", subject);
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("event_timestamp", iat.getEpochSecond());
    event.put("initiating_entity", "admin");
    claims.put("events", Map.of(SESSION_REVOKED, event));
    return claims;
  }

  /** {@code claims} signed with ES256, {@code typ} {@code secevent+jwt}. */
  public String sign(Map<String, Object> claims) {
    return sign(
        json(claims),
        "secevent+jwt",
        AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
        "ec-1");
  }

  /** {@code payload} signed with the published key {@code kid} and {@code alg}. */
  public String sign(String payload, String typ, String alg, String kid) {
    return sign(payload, typ, alg, kid, kid);
  }

  /** {@code payload} signed with the published key {@code signer}, naming {@code kid}. */
  public String sign(String payload, String typ, String alg, String kid, String signer) {
    try {
      JsonWebSignature jws = new JsonWebSignature();
      jws.setPayload(payload);
      jws.setAlgorithmHeaderValue(alg);
      jws.setKeyIdHeaderValue(kid);
      if (typ != null) {
        jws.setHeader("typ", typ);
      }
      jws.setKey(signer.startsWith("rsa") ? rsa.getPrivateKey() : ec.getPrivateKey());
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code claims} signed by a key the upstream does not publish, under a published kid. */
  public static String signWithForeignKey(Map<String, Object> claims, String kid) {
    try {
      EllipticCurveJsonWebKey other = EcJwkGenerator.generateJwk(EllipticCurves.P256);
      JsonWebSignature jws = new JsonWebSignature();
      jws.setPayload(json(claims));
      jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
      jws.setKeyIdHeaderValue(kid);
      jws.setHeader("typ", "secevent+jwt");
      jws.setKey(other.getPrivateKey());
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code claims} MACed with HS256, a shared key, as an attacker knowing the JWKS might try. */
  public static String signHmac(Map<String, Object> claims, String kid) {
    try {
      JsonWebSignature jws = new JsonWebSignature();
      jws.setPayload(json(claims));
      jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
      jws.setKeyIdHeaderValue(kid);
      jws.setHeader("typ", "secevent+jwt");
      jws.setKey(
          new HmacKey("an-hmac-key-of-at-least-256-bits-length!".getBytes(StandardCharsets.UTF_8)));
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An unsecured JWS ({@code alg: none}) of {@code claims}. */
  public static String unsecured(Map<String, Object> claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = "{\"alg\":\"none\",\"typ\":\"secevent+jwt\",\"kid\":\"ec-1\"}";
    return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(json(claims).getBytes(StandardCharsets.UTF_8))
        + ".";
  }

  public static String json(Map<String, Object> claims) {
    try {
      return JSON.writeValueAsString(claims);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
