package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.testkit.RecordingEventLog;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.validator.DpopVerifier;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.http.TrustedProxies;
import io.tokenwatch.validator.http.ValidatorSidecar;
import io.tokenwatch.validator.route.RouteTable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.jspecify.annotations.Nullable;

/**
 * The issuer's token endpoint and the validator sidecar, both over HTTP, decide identically on the
 * same DPoP proofs: a generated corpus of keys, algorithms, headers and claims, each made once for
 * a token request and once for a resource request, with the same window on both sides. Each must be
 * accepted by both, refused as invalid by both, or (sent again) refused as a replay by both.
 */
class DpopEntryPointsPropertiesTest {

  private static final String RESOURCE = "https://api.example/orders/1";
  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "https://api.example";

  /** How an entry point treated a proof. */
  enum Verdict {
    ACCEPTED,
    INVALID,
    REPLAYED
  }

  /** The keys a client may prove with, and one no verifier should take. */
  enum KeyKind {
    ES256,
    ES384,
    ED25519,
    RS256,
    PS256,
    RS256_1024
  }

  /** What is wrong with a proof, if anything. */
  enum Flaw {
    NONE,
    BLANK_JTI,
    SPACE_JTI,
    NO_JTI,
    LONG_JTI,
    NO_IAT,
    OTHER_METHOD,
    LOWER_CASE_METHOD,
    NO_HTM,
    OTHER_HOST,
    HTU_WITH_QUERY,
    HTU_UPPER_CASE_HOST,
    NO_HTU,
    TYP_JWT,
    NO_TYP,
    PRIVATE_JWK,
    NO_JWK,
    HS256,
    ALG_NONE,
    TAMPERED
  }

  private static final Map<KeyKind, JWK> KEYS = new EnumMap<>(KeyKind.class);
  private static final Map<KeyKind, String> TOKENS = new EnumMap<>(KeyKind.class);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Path dir;
  private static TestIssuer issuer;
  private static ValidatorSidecar sidecar;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("dpop-entry-points");
    issuer =
        new TestIssuer(
            dir,
            new RecordingEventLog(),
            DpopVerifier.Window.of(Duration.ofSeconds(60), Duration.ofSeconds(30)));
    KEYS.put(KeyKind.ES256, new ECKeyGenerator(Curve.P_256).generate());
    KEYS.put(KeyKind.ES384, new ECKeyGenerator(Curve.P_384).generate());
    KEYS.put(KeyKind.ED25519, new OctetKeyPairGenerator(Curve.Ed25519).generate());
    KEYS.put(KeyKind.RS256, new RSAKeyGenerator(2048).generate());
    KEYS.put(KeyKind.PS256, KEYS.get(KeyKind.RS256));
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    var weak = rsa.generateKeyPair();
    KEYS.put(
        KeyKind.RS256_1024,
        new RSAKey.Builder((RSAPublicKey) weak.getPublic())
            .privateKey((RSAPrivateKey) weak.getPrivate())
            .build());

    OctetKeyPair signing = new OctetKeyPairGenerator(Curve.Ed25519).keyID("k1").generate();
    for (KeyKind kind : KeyKind.values()) {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer(ISSUER)
              .subject("alice")
              .audience(AUDIENCE)
              .issueTime(Date.from(issuer.clock.instant()))
              .expirationTime(Date.from(issuer.clock.instant().plusSeconds(3600)))
              .jwtID(UUID.randomUUID().toString())
              .claim("client_id", "app-1")
              .claim("scope", "orders:read")
              .claim("cnf", Map.of("jkt", KEYS.get(kind).computeThumbprint().toString()))
              .build();
      SignedJWT token =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                  .type(new JOSEObjectType("at+jwt"))
                  .keyID("k1")
                  .build(),
              claims);
      token.sign(new Ed25519Signer(signing));
      TOKENS.put(kind, token.serialize());
    }

    RevocationIndex index = new RevocationIndex();
    index.markCaughtUp(Long.MAX_VALUE / 2);
    sidecar =
        new ValidatorSidecar(
            TokenValidator.builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .jwks(JwksSource.fixed(new JWKSet(signing.toPublicJWK())))
                .revocations(index)
                .clock(issuer.clock)
                .dpopMaxAge(Duration.ofSeconds(60))
                .clockSkew(Duration.ofSeconds(30))
                .build(),
            new ValidatorSidecar.Settings(
                "127.0.0.1",
                0,
                RouteTable.parse("GET /orders/** ->"),
                TrustedProxies.parse(List.of("127.0.0.1")),
                null,
                null),
            () -> true,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  @AfterContainer
  static void stop() throws IOException {
    sidecar.close();
    issuer.close();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  @Property(tries = 200)
  void shouldDecideLikeTheIssuerOnEveryProof(
      @ForAll KeyKind key,
      @ForAll("flaws") Flaw flaw,
      @ForAll @IntRange(min = -120, max = 60) int iatOffsetSeconds,
      @ForAll boolean sentTwice)
      throws Exception {
    Instant iat = issuer.clock.instant().plusSeconds(iatOffsetSeconds);
    String forIssuer = proof(key, flaw, "POST", TestIssuer.tokenEndpoint(), iat, null);
    String forSidecar = proof(key, flaw, "GET", RESOURCE, iat, TOKENS.get(key));

    Verdict atIssuer = atIssuer(forIssuer);
    Verdict atSidecar = atSidecar(key, forSidecar);
    assertThat(atSidecar).as("%s %s iat%+ds", key, flaw, iatOffsetSeconds).isEqualTo(atIssuer);
    Statistics.label("verdict").collect(atIssuer);
    if (sentTwice) {
      Verdict againAtIssuer = atIssuer(forIssuer);
      Verdict againAtSidecar = atSidecar(key, forSidecar);
      assertThat(againAtSidecar)
          .as("%s %s iat%+ds, sent again", key, flaw, iatOffsetSeconds)
          .isEqualTo(againAtIssuer);
      Statistics.label("verdict sent again").collect(againAtIssuer);
    }
  }

  /** The finding: a blank jti was refused at the issuer and allowed at the sidecar. */
  @Example
  void shouldRefuseABlankJtiAtBothEntryPoints() throws Exception {
    Instant now = issuer.clock.instant();
    for (Flaw flaw : List.of(Flaw.BLANK_JTI, Flaw.SPACE_JTI)) {
      assertThat(
              atIssuer(proof(KeyKind.ES256, flaw, "POST", TestIssuer.tokenEndpoint(), now, null)))
          .isEqualTo(Verdict.INVALID);
      assertThat(
              atSidecar(
                  KeyKind.ES256,
                  proof(KeyKind.ES256, flaw, "GET", RESOURCE, now, TOKENS.get(KeyKind.ES256))))
          .isEqualTo(Verdict.INVALID);
    }
  }

  @Provide
  Arbitrary<Flaw> flaws() {
    // Half the proofs are sound, so acceptance and replay are exercised as much as refusal.
    return Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.just(Flaw.NONE)), Tuple.of(5, Arbitraries.of(Flaw.values())));
  }

  private static Verdict atIssuer(String proof) {
    int deniedBefore = issuer.recorded().denied.size();
    HttpResponse<String> response =
        issuer.postForm(
            "/oauth2/token",
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            Map.of(
                "Authorization", basic(AGENT, AGENT_SECRET).get("Authorization"), "DPoP", proof));
    if (response.statusCode() == 200) {
      return Verdict.ACCEPTED;
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.body()).contains("invalid_dpop_proof");
    assertThat(issuer.recorded().denied).hasSize(deniedBefore + 1);
    return issuer.recorded().lastDenied().getReason() == IssuanceDenyReason.DPOP_PROOF_REPLAYED
        ? Verdict.REPLAYED
        : Verdict.INVALID;
  }

  private static Verdict atSidecar(KeyKind key, String proof) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + "/auth"))
                .header("Authorization", "DPoP " + TOKENS.get(key))
                .header("DPoP", proof)
                .header("X-Forwarded-Method", "GET")
                .header("X-Forwarded-Uri", "/orders/1")
                .header("X-Forwarded-Host", "api.example")
                .header("X-Forwarded-Proto", "https")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 200) {
      return Verdict.ACCEPTED;
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow();
    if (challenge.contains("error_description=\"proof replayed\"")) {
      return Verdict.REPLAYED;
    }
    assertThat(challenge).contains("error_description=\"invalid proof\"");
    return Verdict.INVALID;
  }

  /** A proof of {@code key} for the request, with {@code flaw}, and {@code ath} when given. */
  private static String proof(
      KeyKind kind, Flaw flaw, String method, String uri, Instant iat, @Nullable String accessToken)
      throws JOSEException {
    JWK key = KEYS.get(kind);
    JWSAlgorithm alg =
        switch (kind) {
          case ES256 -> JWSAlgorithm.ES256;
          case ES384 -> JWSAlgorithm.ES384;
          case ED25519 -> JWSAlgorithm.EdDSA;
          case RS256, RS256_1024 -> JWSAlgorithm.RS256;
          case PS256 -> JWSAlgorithm.PS256;
        };
    Map<String, Object> header = new LinkedHashMap<>();
    header.put(
        "alg", flaw == Flaw.HS256 ? "HS256" : flaw == Flaw.ALG_NONE ? "none" : alg.getName());
    if (flaw != Flaw.NO_TYP) {
      header.put("typ", flaw == Flaw.TYP_JWT ? "JWT" : "dpop+jwt");
    }
    if (flaw != Flaw.NO_JWK) {
      header.put(
          "jwk", flaw == Flaw.PRIVATE_JWK ? key.toJSONObject() : key.toPublicJWK().toJSONObject());
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    switch (flaw) {
      case BLANK_JTI -> claims.put("jti", "");
      case SPACE_JTI -> claims.put("jti", " ");
      case NO_JTI -> {}
      case LONG_JTI -> claims.put("jti", "j".repeat(300));
      default -> claims.put("jti", UUID.randomUUID().toString());
    }
    switch (flaw) {
      case OTHER_METHOD -> claims.put("htm", "PUT");
      case LOWER_CASE_METHOD -> claims.put("htm", method.toLowerCase(Locale.ROOT));
      case NO_HTM -> {}
      default -> claims.put("htm", method);
    }
    switch (flaw) {
      case OTHER_HOST -> claims.put("htu", uri.replace("://", "://elsewhere."));
      case HTU_WITH_QUERY -> claims.put("htu", uri + "?page=2");
      case HTU_UPPER_CASE_HOST -> {
        URI u = URI.create(uri);
        claims.put(
            "htu",
            u.getScheme() + "://" + u.getAuthority().toUpperCase(Locale.ROOT) + u.getRawPath());
      }
      case NO_HTU -> {}
      default -> claims.put("htu", uri);
    }
    if (flaw != Flaw.NO_IAT) {
      claims.put("iat", iat.getEpochSecond());
    }
    if (accessToken != null) {
      claims.put("ath", DpopVerifier.accessTokenHash(accessToken));
    }
    String signingInput =
        Base64URL.encode(JSONObjectUtils.toJSONString(header).getBytes(StandardCharsets.UTF_8))
            + "."
            + Base64URL.encode(
                JSONObjectUtils.toJSONString(claims).getBytes(StandardCharsets.UTF_8));
    if (flaw == Flaw.ALG_NONE) {
      return signingInput + ".";
    }
    JWSSigner signer =
        flaw == Flaw.HS256
            ? new MACSigner(new OctetSequenceKeyGenerator(256).generate())
            : signer(key);
    Base64URL signature =
        signer.sign(
            new JWSHeader(JWSAlgorithm.parse((String) header.get("alg"))),
            signingInput.getBytes(StandardCharsets.US_ASCII));
    if (flaw == Flaw.TAMPERED) {
      byte[] bytes = signature.decode();
      bytes[bytes.length / 2] ^= 1;
      signature = Base64URL.encode(bytes);
    }
    return signingInput + "." + signature;
  }

  @SuppressWarnings(
      "deprecation") // the weak-key signer is deprecated on purpose; the test needs it
  private static JWSSigner signer(JWK key) throws JOSEException {
    if (key instanceof ECKey ec) {
      return new ECDSASigner(ec);
    }
    if (key instanceof OctetKeyPair okp) {
      return new Ed25519Signer(okp);
    }
    return new RSASSASigner(((RSAKey) key).toPrivateKey(), true);
  }
}
