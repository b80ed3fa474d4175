package io.tokenwatch.validator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DpopVerifierTest {

  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final String URI_ = "https://api.example/orders/42";
  private static final String TOKEN = "header.claims.signature";

  private final MutableClock clock = new MutableClock(NOW);
  private final ECKey key = ecKey();
  private final String jkt = thumbprint(key);
  private final DpopVerifier verifier =
      new DpopVerifier(
          clock, DpopVerifier.Window.of(Duration.ofSeconds(60), Duration.ofSeconds(5)), 8192, 100);

  private static ECKey ecKey() {
    try {
      return new ECKeyGenerator(Curve.P_256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String thumbprint(ECKey key) {
    try {
      return key.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWTClaimsSet.Builder claims(String method, String uri, Instant iat) {
    return new JWTClaimsSet.Builder()
        .jwtID(UUID.randomUUID().toString())
        .claim("htm", method)
        .claim("htu", uri)
        .issueTime(Date.from(iat))
        .claim("ath", DpopVerifier.accessTokenHash(TOKEN));
  }

  private String proof(JWTClaimsSet claims) {
    return TestTokens.proof(key, claims);
  }

  /** A compact JWS with exactly the header members given, signed by {@code signer}. */
  private static String raw(Map<String, Object> header, JWTClaimsSet claims, JWSSigner signer)
      throws JOSEException {
    String signingInput =
        Base64URL.encode(JSONObjectUtils.toJSONString(header).getBytes(StandardCharsets.UTF_8))
            + "."
            + Base64URL.encode(claims.toString().getBytes(StandardCharsets.UTF_8));
    Base64URL signature =
        signer.sign(
            new JWSHeader(JWSAlgorithm.parse((String) header.get("alg"))),
            signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + signature;
  }

  private static Map<String, Object> header(String alg, String typ, Map<String, Object> jwk) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", alg);
    header.put("typ", typ);
    header.put("jwk", jwk);
    return header;
  }

  private DpopVerifier.Result atResource(String proof) {
    return verifier.verifyResourceRequest(proof, "GET", URI_, TOKEN, jkt);
  }

  private static void assertRefused(DpopVerifier.Result result, String detail) {
    assertThat(result).isInstanceOf(DpopVerifier.Invalid.class);
    DpopVerifier.Invalid invalid = (DpopVerifier.Invalid) result;
    assertThat(invalid.reason()).isEqualTo(DpopVerifier.Reason.INVALID);
    assertThat(invalid.detail()).contains(detail);
  }

  @Test
  void shouldAcceptAGoodProofAndReturnItsKeyThumbprint() {
    assertThat(atResource(proof(claims("GET", URI_, NOW).build())))
        .isEqualTo(new DpopVerifier.Valid(jkt));
    assertThat(
            verifier.verifyTokenRequest(
                proof(claims("POST", "https://issuer.example/oauth2/token", NOW).build()),
                "POST",
                "https://issuer.example/oauth2/token"))
        .isEqualTo(new DpopVerifier.Valid(jkt));
  }

  @Test
  void shouldRefuseAProofWithABlankMissingOrOverlongJti() {
    assertRefused(atResource(proof(claims("GET", URI_, NOW).jwtID("").build())), "jti");
    assertRefused(atResource(proof(claims("GET", URI_, NOW).jwtID("  ").build())), "jti");
    assertRefused(atResource(proof(claims("GET", URI_, NOW).jwtID(null).build())), "jti");
    // A non-string jti does not even parse as JWT claims.
    assertThat(atResource(proof(claims("GET", URI_, NOW).claim("jti", 42).build())))
        .isInstanceOf(DpopVerifier.Invalid.class);
    assertRefused(
        atResource(proof(claims("GET", URI_, NOW).jwtID("j".repeat(257)).build())), "jti");
  }

  @Test
  void shouldRefuseAProofWithoutIatOrOutsideTheWindow() {
    assertRefused(atResource(proof(claims("GET", URI_, NOW).issueTime(null).build())), "iat");
    assertRefused(atResource(proof(claims("GET", URI_, NOW.minusSeconds(66)).build())), "old");
    assertRefused(atResource(proof(claims("GET", URI_, NOW.plusSeconds(6)).build())), "future");
    // The window's edges are inside it: 60 s old plus 5 s skew, 5 s ahead.
    assertThat(atResource(proof(claims("GET", URI_, NOW.minusSeconds(65)).build())))
        .isInstanceOf(DpopVerifier.Valid.class);
    assertThat(atResource(proof(claims("GET", URI_, NOW.plusSeconds(5)).build())))
        .isInstanceOf(DpopVerifier.Valid.class);
  }

  @Test
  void shouldRefuseAProofForAnotherMethodOrUri() {
    assertRefused(atResource(proof(claims("POST", URI_, NOW).build())), "htm");
    assertRefused(atResource(proof(claims("get", URI_, NOW).build())), "htm");
    assertRefused(atResource(proof(claims("GET", URI_, NOW).claim("htm", null).build())), "htm");
    assertRefused(
        atResource(proof(claims("GET", "https://api.example/orders/43", NOW).build())), "htu");
    assertRefused(
        atResource(proof(claims("GET", "https://evil.example/orders/42", NOW).build())), "htu");
    assertRefused(
        atResource(proof(claims("GET", "http://api.example/orders/42", NOW).build())), "htu");
    assertRefused(
        atResource(proof(claims("GET", "https://u@api.example/orders/42", NOW).build())), "htu");
    assertRefused(atResource(proof(claims("GET", "/orders/42", NOW).build())), "htu");
  }

  @Test
  void shouldCompareHtuAfterRfc3986Normalization() {
    for (String equivalent :
        new String[] {
          "https://API.Example:443/orders/42",
          "HTTPS://api.example/orders/42?page=2#top",
          "https://api.example/orders/%34%32",
          "https://api.example/orders/x/../42",
          "https://api.example/./orders/42"
        }) {
      assertThat(atResource(proof(claims("GET", equivalent, NOW).build())))
          .as(equivalent)
          .isInstanceOf(DpopVerifier.Valid.class);
    }
    assertThat(DpopVerifier.normalizedHtu("https://api.example/a%2fb"))
        .isEqualTo("https://api.example/a%2Fb");
    assertThat(DpopVerifier.normalizedHtu("https://api.example")).isEqualTo("https://api.example/");
  }

  @Test
  void shouldRefuseAProofOfTheWrongType() {
    String typeless =
        TestTokens.sign(
            new JWSHeader.Builder(JWSAlgorithm.ES256).jwk(key.toPublicJWK()).build(),
            claims("GET", URI_, NOW).build(),
            signer(key));
    String jwtTyped =
        TestTokens.sign(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .type(com.nimbusds.jose.JOSEObjectType.JWT)
                .jwk(key.toPublicJWK())
                .build(),
            claims("GET", URI_, NOW).build(),
            signer(key));
    assertRefused(atResource(typeless), "typ");
    assertRefused(atResource(jwtTyped), "typ");
  }

  @Test
  void shouldRefuseASymmetricOrPrivateOrMissingJwk() throws Exception {
    OctetSequenceKey secret = new OctetSequenceKeyGenerator(256).generate();
    String hmac =
        raw(
            header("HS256", "dpop+jwt", secret.toJSONObject()),
            claims("GET", URI_, NOW).build(),
            new MACSigner(secret));
    String privateJwk =
        raw(
            header("ES256", "dpop+jwt", key.toJSONObject()),
            claims("GET", URI_, NOW).build(),
            signer(key));
    Map<String, Object> noJwk = header("ES256", "dpop+jwt", Map.of());
    noJwk.remove("jwk");
    String missing = raw(noJwk, claims("GET", URI_, NOW).build(), signer(key));
    assertThat(atResource(hmac)).isInstanceOf(DpopVerifier.Invalid.class);
    assertThat(atResource(privateJwk)).isInstanceOf(DpopVerifier.Invalid.class);
    assertRefused(atResource(missing), "jwk");
  }

  @Test
  void shouldRefuseAnAlgorithmOffTheListOrAShortRsaKey() throws Exception {
    String none =
        Base64URL.encode("{\"alg\":\"none\",\"typ\":\"dpop+jwt\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + Base64URL.encode(
                claims("GET", URI_, NOW).build().toString().getBytes(StandardCharsets.UTF_8))
            + ".";
    assertThat(atResource(none)).isInstanceOf(DpopVerifier.Invalid.class);

    // An HMAC over the proof, naming the public key: the algorithm alone refuses it.
    String hs256 =
        raw(
            header("HS256", "dpop+jwt", key.toPublicJWK().toJSONObject()),
            claims("GET", URI_, NOW).build(),
            new MACSigner(new OctetSequenceKeyGenerator(256).generate()));
    assertRefused(atResource(hs256), "algorithm");

    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(1024);
    var pair = generator.generateKeyPair();
    RSAKey shortRsa =
        new RSAKey.Builder((RSAPublicKey) pair.getPublic())
            .privateKey((RSAPrivateKey) pair.getPrivate())
            .build();
    @SuppressWarnings("deprecation") // the only way nimbus signs with a key below 2048 bits
    RSASSASigner weakSigner = new RSASSASigner(shortRsa.toPrivateKey(), true);
    String weak =
        raw(
            header("RS256", "dpop+jwt", shortRsa.toPublicJWK().toJSONObject()),
            claims("GET", URI_, NOW).build(),
            weakSigner);
    assertRefused(
        verifier.verifyResourceRequest(
            weak, "GET", URI_, TOKEN, shortRsa.computeThumbprint().toString()),
        "2048");
  }

  @Test
  void shouldRefuseAForgedSignatureOrGarbage() {
    String proof = proof(claims("GET", URI_, NOW).build());
    String forged =
        proof.substring(0, proof.indexOf('.') + 1)
            + Base64URL.encode(
                claims("GET", URI_, NOW).build().toString().getBytes(StandardCharsets.UTF_8))
            + proof.substring(proof.lastIndexOf('.'));
    assertRefused(atResource(forged), "signature");
    assertRefused(atResource("garbage"), "signed JWT");
    assertRefused(atResource("x".repeat(8193)), "larger");
  }

  @Test
  void shouldCheckAthAndTheBoundKeyAtAResource() {
    assertRefused(
        atResource(proof(claims("GET", URI_, NOW).claim("ath", "not-the-hash").build())), "ath");
    assertRefused(atResource(proof(claims("GET", URI_, NOW).claim("ath", null).build())), "ath");
    DpopVerifier.Result wrongKey =
        verifier.verifyResourceRequest(
            proof(claims("GET", URI_, NOW).build()), "GET", URI_, TOKEN, thumbprint(ecKey()));
    assertThat(wrongKey).isInstanceOf(DpopVerifier.Invalid.class);
    assertThat(((DpopVerifier.Invalid) wrongKey).reason()).isEqualTo(DpopVerifier.Reason.WRONG_KEY);
  }

  @Test
  void shouldRefuseAReplayUntilTheProofIsTooOldAnyway() {
    String proof = proof(claims("GET", URI_, NOW).build());
    assertThat(atResource(proof)).isInstanceOf(DpopVerifier.Valid.class);
    DpopVerifier.Result replay = atResource(proof);
    assertThat(replay).isInstanceOf(DpopVerifier.Invalid.class);
    assertThat(((DpopVerifier.Invalid) replay).reason()).isEqualTo(DpopVerifier.Reason.REPLAYED);

    clock.advance(Duration.ofSeconds(65));
    assertThat(((DpopVerifier.Invalid) atResource(proof)).reason())
        .isEqualTo(DpopVerifier.Reason.REPLAYED);
    clock.advance(Duration.ofMillis(1));
    assertRefused(atResource(proof), "old");
    assertThat(verifier.replayCacheSize()).isEqualTo(1);
    atResource(proof(claims("GET", URI_, clock.instant()).build()));
    assertThat(verifier.replayCacheSize()).isEqualTo(1);
  }

  @Test
  void shouldNotUseUpAnIdForAProofRefusedForAnotherReason() {
    JWTClaimsSet claims = claims("GET", URI_, NOW).build();
    assertRefused(verifier.verifyResourceRequest(proof(claims), "POST", URI_, TOKEN, jkt), "htm");
    assertThat(atResource(proof(claims))).isInstanceOf(DpopVerifier.Valid.class);
  }

  @Test
  void shouldRefuseProofsRatherThanForgetLiveIdsWhenTheCacheIsFull() {
    DpopVerifier small =
        new DpopVerifier(clock, DpopVerifier.Window.symmetric(Duration.ofSeconds(10)), 8192, 2);
    for (int i = 0; i < 2; i++) {
      assertThat(
              small.verifyResourceRequest(
                  proof(claims("GET", URI_, NOW).build()), "GET", URI_, TOKEN, jkt))
          .isInstanceOf(DpopVerifier.Valid.class);
    }
    assertRefused(
        small.verifyResourceRequest(
            proof(claims("GET", URI_, NOW).build()), "GET", URI_, TOKEN, jkt),
        "replay cache is full");

    clock.advance(Duration.ofSeconds(11));
    assertThat(
            small.verifyResourceRequest(
                proof(claims("GET", URI_, clock.instant()).build()), "GET", URI_, TOKEN, jkt))
        .isInstanceOf(DpopVerifier.Valid.class);
  }

  @Test
  void shouldRejectImpossibleSettings() {
    assertThatThrownBy(() -> DpopVerifier.Window.symmetric(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new DpopVerifier(
                    clock, DpopVerifier.Window.symmetric(Duration.ofSeconds(1)), 8192, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static JWSSigner signer(ECKey key) {
    try {
      return new ECDSASigner(key);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
