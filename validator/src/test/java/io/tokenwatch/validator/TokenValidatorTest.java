package io.tokenwatch.validator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenValidatorTest {

  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");
  private static final String URI_ = "https://api.example/orders/42";

  private final TestTokens tokens = new TestTokens();
  private final MutableClock clock = new MutableClock(NOW);
  private final RevocationIndex index = new RevocationIndex();
  private final List<Decision> reported = new ArrayList<>();
  private TokenValidator validator;

  @BeforeEach
  void setUp() {
    index.markCaughtUp(NOW.toEpochMilli());
    validator = validator(JwksSource.fixed(tokens.publicKeys()));
  }

  private TokenValidator validator(JwksSource jwks) {
    return TokenValidator.builder()
        .issuer(TestTokens.ISSUER)
        .audience(TestTokens.AUDIENCE)
        .jwks(jwks)
        .revocations(index)
        .clock(clock)
        .clockSkew(Duration.ofSeconds(30))
        .maxStaleness(Duration.ofSeconds(10))
        .listener((request, decision, at) -> reported.add(decision))
        .build();
  }

  private void advanceWithFreshFeed(Duration by) {
    clock.advance(by);
    index.markCaughtUp(clock.millis());
  }

  private Decision validate(String token, String... scopes) {
    return validator.validate(TokenRequest.of(token, "GET", URI_, Set.of(scopes)));
  }

  private static void assertDenied(Decision decision, DenyReason reason) {
    assertThat(decision).isInstanceOf(Decision.Deny.class);
    assertThat(((Decision.Deny) decision).reason()).isEqualTo(reason);
  }

  // ---- allow ----

  @Test
  void shouldAllowValidEdDsaTokenWithItsClaims() {
    JWTClaimsSet claims = TestTokens.claims(NOW).build();
    Decision decision = validate(tokens.sign(claims), "read");

    assertThat(decision).isInstanceOf(Decision.Allow.class);
    VerifiedToken token = ((Decision.Allow) decision).token();
    assertThat(token.tokenId()).isEqualTo(claims.getJWTID());
    assertThat(token.subject()).isEqualTo("alice");
    assertThat(token.clientId()).isEqualTo("app-1");
    assertThat(token.scopes()).containsExactlyInAnyOrder("read", "write");
    assertThat(token.grantId()).isEqualTo("grant-1");
    assertThat(token.keyId()).isEqualTo("ed-1");
    assertThat(decision.useCount()).isEqualTo(1);
    assertThat(reported).containsExactly(decision);
  }

  @Test
  void shouldAllowValidRs256Token() {
    assertThat(validate(tokens.signRsa(TestTokens.claims(NOW).build()), "read").allowed()).isTrue();
  }

  @Test
  void shouldServeRepeatedTokenFromSignatureCacheButRecheckExpiry() {
    AtomicInteger fetches = new AtomicInteger();
    validator =
        validator(
            JwksSource.fetching(
                () -> {
                  fetches.incrementAndGet();
                  return tokens.publicKeys();
                },
                Duration.ofSeconds(10),
                Duration.ofHours(1),
                clock));
    String token = tokens.sign(TestTokens.claims(NOW).build());

    assertThat(validate(token).allowed()).isTrue();
    assertThat(validate(token).allowed()).isTrue();
    assertThat(validate(token).useCount()).isEqualTo(3);
    assertThat(fetches).hasValue(1);

    clock.advance(Duration.ofMinutes(11));
    assertDenied(validate(token), DenyReason.EXPIRED);
  }

  @Test
  void shouldNotAcceptATamperedTokenBecauseItsTwinIsCached() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    assertThat(validate(token).allowed()).isTrue();

    String[] parts = token.split("\\.");
    String otherPayload =
        Base64URL.encode(
                TestTokens.claims(NOW)
                    .subject("mallory")
                    .build()
                    .toString()
                    .getBytes(StandardCharsets.UTF_8))
            .toString();
    assertDenied(
        validate(parts[0] + "." + otherPayload + "." + parts[2]), DenyReason.BAD_SIGNATURE);
  }

  // ---- adversarial headers and signatures ----

  @Test
  void shouldDenyUnsignedTokenWithAlgNone() {
    String token =
        new PlainJWT(
                new PlainHeader.Builder().type(TestTokens.AT_JWT).build(),
                TestTokens.claims(NOW).build())
            .serialize();
    assertDenied(validate(token), DenyReason.ALGORITHM_NOT_ALLOWED);
  }

  @Test
  void shouldDenyHs256TokenSignedWithThePublicKeyBytes() throws Exception {
    byte[] publicKeyBytes =
        tokens.edKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
    String token =
        TestTokens.sign(
            TestTokens.header(JWSAlgorithm.HS256, "ed-1").build(),
            TestTokens.claims(NOW).build(),
            new MACSigner(java.util.Arrays.copyOf(publicKeyBytes, 64)));
    assertDenied(validate(token), DenyReason.ALGORITHM_NOT_ALLOWED);
  }

  @Test
  void shouldRefuseToConfigureHmacAlgorithms() {
    assertThatThrownBy(
            () ->
                TokenValidator.builder()
                    .issuer("i")
                    .audience("a")
                    .jwks(JwksSource.fixed(new JWKSet()))
                    .revocations(RevocationView.none())
                    .algorithms(Set.of(JWSAlgorithm.HS256))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("HS256");
  }

  @Test
  void shouldReportEveryMissingSettingAtOnce() {
    assertThatThrownBy(() -> TokenValidator.builder().build())
        .hasMessageContaining("issuer")
        .hasMessageContaining("audience")
        .hasMessageContaining("jwks")
        .hasMessageContaining("revocations");
  }

  @Test
  void shouldDenyWrongType() {
    String token =
        TestTokens.sign(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .type(JOSEObjectType.JWT)
                .keyID("ed-1")
                .build(),
            TestTokens.claims(NOW).build(),
            tokens.edSigner());
    assertDenied(validate(token), DenyReason.WRONG_TYPE);
  }

  @Test
  void shouldDenyJkuHeaderPointingElsewhereWithoutFetchingIt() {
    AtomicInteger fetches = new AtomicInteger();
    validator =
        validator(
            JwksSource.fetching(
                () -> {
                  fetches.incrementAndGet();
                  return tokens.publicKeys();
                },
                Duration.ofSeconds(10),
                Duration.ofHours(1),
                clock));
    String token =
        TestTokens.sign(
            TestTokens.header(JWSAlgorithm.EdDSA, "ed-1")
                .jwkURL(URI.create("https://evil.example/jwks.json"))
                .build(),
            TestTokens.claims(NOW).build(),
            tokens.edSigner());
    assertDenied(validate(token), DenyReason.UNKNOWN_KEY);
    assertThat(fetches).hasValue(0);
  }

  @Test
  void shouldDenyX5uHeader() {
    String token =
        TestTokens.sign(
            TestTokens.header(JWSAlgorithm.EdDSA, "ed-1")
                .x509CertURL(URI.create("https://evil.example/cert.pem"))
                .build(),
            TestTokens.claims(NOW).build(),
            tokens.edSigner());
    assertDenied(validate(token), DenyReason.UNKNOWN_KEY);
  }

  @Test
  void shouldDenyTokenCarryingItsOwnKey() throws Exception {
    var attacker =
        new OctetKeyPairGenerator(com.nimbusds.jose.jwk.Curve.Ed25519).keyID("ed-1").generate();
    String token =
        TestTokens.sign(
            TestTokens.header(JWSAlgorithm.EdDSA, "ed-1").jwk(attacker.toPublicJWK()).build(),
            TestTokens.claims(NOW).build(),
            new com.nimbusds.jose.crypto.Ed25519Signer(attacker));
    assertDenied(validate(token), DenyReason.UNKNOWN_KEY);
  }

  @Test
  void shouldRefreshKeysOnceForUnknownKidThenRateLimit() {
    AtomicInteger fetches = new AtomicInteger();
    validator =
        validator(
            JwksSource.fetching(
                () -> {
                  fetches.incrementAndGet();
                  return tokens.publicKeys();
                },
                Duration.ofSeconds(10),
                Duration.ofHours(1),
                clock));
    assertThat(validate(tokens.sign(TestTokens.claims(NOW).build())).allowed()).isTrue();
    assertThat(fetches).hasValue(1);

    String unknown =
        TestTokens.sign(
            TestTokens.header(JWSAlgorithm.EdDSA, "ed-2").build(),
            TestTokens.claims(NOW).build(),
            tokens.edSigner());
    assertDenied(validate(unknown), DenyReason.UNKNOWN_KEY);
    assertThat(fetches).hasValue(1); // the first fetch was less than the interval ago

    clock.advance(Duration.ofSeconds(11));
    assertDenied(validate(unknown), DenyReason.UNKNOWN_KEY);
    assertThat(fetches).hasValue(2);
    assertDenied(validate(unknown), DenyReason.UNKNOWN_KEY);
    assertDenied(validate(unknown), DenyReason.UNKNOWN_KEY);
    assertThat(fetches).hasValue(2);
  }

  @Test
  void shouldAcceptTokenSignedWithRotatedKeyAfterRefresh() throws Exception {
    var rotated =
        new OctetKeyPairGenerator(com.nimbusds.jose.jwk.Curve.Ed25519).keyID("ed-2").generate();
    List<JWKSet> sets =
        new ArrayList<>(
            List.of(
                tokens.publicKeys(),
                new JWKSet(List.of(tokens.edKey.toPublicJWK(), rotated.toPublicJWK()))));
    validator =
        validator(
            JwksSource.fetching(
                () -> sets.size() > 1 ? sets.remove(0) : sets.get(0),
                Duration.ofSeconds(10),
                Duration.ofHours(1),
                clock));
    assertThat(validate(tokens.sign(TestTokens.claims(NOW).build())).allowed()).isTrue();
    advanceWithFreshFeed(Duration.ofSeconds(20));
    String token =
        TestTokens.sign(
            TestTokens.header(JWSAlgorithm.EdDSA, "ed-2").build(),
            TestTokens.claims(NOW).build(),
            new com.nimbusds.jose.crypto.Ed25519Signer(rotated));
    assertThat(validate(token).allowed()).isTrue();
  }

  @Test
  void shouldDenyTamperedSignature() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    int last = token.length() - 5;
    char c = token.charAt(last) == 'A' ? 'B' : 'A';
    assertDenied(
        validate(token.substring(0, last) + c + token.substring(last + 1)),
        DenyReason.BAD_SIGNATURE);
  }

  @Test
  void shouldDenyRs256TokenClaimingTheEdDsaKey() {
    String token =
        TestTokens.sign(
            TestTokens.header(JWSAlgorithm.RS256, "ed-1").build(),
            TestTokens.claims(NOW).build(),
            rsaSigner());
    assertDenied(validate(token), DenyReason.ALGORITHM_NOT_ALLOWED);
  }

  private com.nimbusds.jose.JWSSigner rsaSigner() {
    try {
      return new com.nimbusds.jose.crypto.RSASSASigner(tokens.rsaKey);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void shouldDenyOversizedTokenUnread() {
    String token = tokens.sign(TestTokens.claims(NOW).claim("padding", "x".repeat(9000)).build());
    assertDenied(validate(token), DenyReason.TOO_LARGE);
  }

  @Test
  void shouldDenyGarbageAsMalformed() {
    assertDenied(validate("not-a-token"), DenyReason.MALFORMED);
    assertDenied(validate("a.b.c.d.e"), DenyReason.MALFORMED);
    assertDenied(validate("!!!.???.###"), DenyReason.MALFORMED);
  }

  @Test
  void shouldDenyTokenMissingRequiredClaim() {
    String token =
        tokens.sign(
            new JWTClaimsSet.Builder(TestTokens.claims(NOW).build())
                .claim("client_id", null)
                .build());
    assertDenied(validate(token), DenyReason.MALFORMED);
  }

  // ---- claims ----

  @Test
  void shouldDenyWrongIssuer() {
    assertDenied(
        validate(tokens.sign(TestTokens.claims(NOW).issuer("https://evil.example").build())),
        DenyReason.WRONG_ISSUER);
  }

  @Test
  void shouldDenyWrongAudience() {
    assertDenied(
        validate(tokens.sign(TestTokens.claims(NOW).audience("https://other.example").build())),
        DenyReason.WRONG_AUDIENCE);
  }

  @Test
  void shouldDenyExpiredTokenBeyondSkewOnly() {
    String token =
        tokens.sign(TestTokens.claims(NOW.minusSeconds(700)).build()); // expired 100 s ago
    assertDenied(validate(token), DenyReason.EXPIRED);

    String justExpired =
        tokens.sign(TestTokens.claims(NOW.minusSeconds(610)).build()); // 10 s, within skew
    assertThat(validate(justExpired).allowed()).isTrue();
  }

  @Test
  void shouldDenyNotYetValidToken() {
    String token =
        tokens.sign(TestTokens.claims(NOW).notBeforeTime(Date.from(NOW.plusSeconds(120))).build());
    assertDenied(validate(token), DenyReason.NOT_YET_VALID);
    advanceWithFreshFeed(Duration.ofSeconds(100));
    assertThat(validate(token).allowed()).isTrue();
  }

  @Test
  void shouldDenyInsufficientScope() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    assertDenied(validate(token, "read", "admin"), DenyReason.INSUFFICIENT_SCOPE);
    assertThat(validate(token, "read", "write").allowed()).isTrue();
  }

  // ---- revocation ----

  @Test
  void shouldDenyTokenRevokedById() {
    JWTClaimsSet claims = TestTokens.claims(NOW).build();
    String token = tokens.sign(claims);
    assertThat(validate(token).allowed()).isTrue();

    index.put("token:" + claims.getJWTID(), null);
    Decision decision = validate(token);
    assertDenied(decision, DenyReason.REVOKED);
    assertThat(((Decision.Deny) decision).detail()).contains("token:" + claims.getJWTID());
  }

  @Test
  void shouldTellWhichRevocationCoversATokenWithoutUsingOrReportingIt() {
    JWTClaimsSet claims = TestTokens.claims(NOW).claim("max_uses", 1).build();
    String token = tokens.sign(claims);
    assertThat(validator.revocationCovering(token)).isEmpty();

    index.put("token:" + claims.getJWTID(), null);

    assertThat(validator.revocationCovering(token)).contains("token:" + claims.getJWTID());
    assertThat(validator.revocationCovering("not.a.token")).isEmpty();
    assertThat(validator.revocationCovering(tokens.sign(TestTokens.claims(NOW).build()))).isEmpty();
    assertThat(reported).isEmpty();
    index.remove("token:" + claims.getJWTID());
    assertThat(validate(token).useCount()).as("the probe counted no use").isEqualTo(1);
  }

  @Test
  void shouldDenyTokenRevokedByEachSelectorKind() {
    Map<String, JWTClaimsSet.Builder> cases =
        Map.of(
            "grant:g-9",
            TestTokens.claims(NOW).claim("grant_id", "g-9"),
            "subject:bob",
            TestTokens.claims(NOW).subject("bob"),
            "client:app-9",
            TestTokens.claims(NOW).claim("client_id", "app-9"),
            "audience:" + TestTokens.AUDIENCE,
            TestTokens.claims(NOW),
            "lineage:parent-1",
            TestTokens.claims(NOW).claim("lineage", List.of("parent-1", "root")),
            "lineage:root",
            TestTokens.claims(NOW).claim("lineage", List.of("parent-2", "root")));
    cases.forEach(
        (selector, claims) -> {
          RevocationIndex fresh = new RevocationIndex();
          fresh.markCaughtUp(NOW.toEpochMilli());
          TokenValidator v =
              TokenValidator.builder()
                  .issuer(TestTokens.ISSUER)
                  .audience(TestTokens.AUDIENCE)
                  .jwks(JwksSource.fixed(tokens.publicKeys()))
                  .revocations(fresh)
                  .clock(clock)
                  .build();
          String token = tokens.sign(claims.build());
          TokenRequest request = TokenRequest.of(token, "GET", URI_, Set.of());
          assertThat(v.validate(request).allowed()).as(selector).isTrue();
          fresh.put(selector, null);
          assertDenied(v.validate(request), DenyReason.REVOKED);
          fresh.remove(selector);
          assertThat(v.validate(request).allowed()).as(selector + " after tombstone").isTrue();
        });
  }

  @Test
  void shouldDenyTokenWhoseOwnIdIsRevokedAsLineageRoot() {
    JWTClaimsSet claims = TestTokens.claims(NOW).build();
    index.put("lineage:" + claims.getJWTID(), null);
    assertDenied(validate(tokens.sign(claims)), DenyReason.REVOKED);
  }

  @Test
  void shouldDenyOnlyTokensIssuedBeforeTheWatermark() {
    String before = tokens.sign(TestTokens.claims(NOW.minusSeconds(60)).build());
    String after = tokens.sign(TestTokens.claims(NOW.plusSeconds(1)).build());
    index.put("subject:alice", NOW.toEpochMilli());

    assertDenied(validate(before), DenyReason.REVOKED);
    clock.advance(Duration.ofSeconds(2));
    assertThat(validate(after).allowed()).isTrue();
  }

  @Test
  void shouldNeverLowerAWatermark() {
    String token = tokens.sign(TestTokens.claims(NOW.minusSeconds(60)).build());
    index.put("client:app-1", NOW.toEpochMilli());
    index.put("client:app-1", NOW.minusSeconds(3600).toEpochMilli());
    assertDenied(validate(token), DenyReason.REVOKED);
  }

  @Test
  void shouldAskTheFallbackInsteadOfDenyingWhileTheFeedIsStale() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    index.markNotReady();
    java.util.concurrent.atomic.AtomicReference<RevocationFallback.Answer> answer =
        new java.util.concurrent.atomic.AtomicReference<>(RevocationFallback.Answer.ACTIVE);
    TokenValidator withFallback =
        TokenValidator.builder()
            .issuer(TestTokens.ISSUER)
            .audience(TestTokens.AUDIENCE)
            .jwks(JwksSource.fixed(tokens.publicKeys()))
            .revocations(index)
            .clock(clock)
            .maxStaleness(Duration.ofSeconds(10))
            .revocationFallback(verified -> answer.get())
            .build();
    TokenRequest request = TokenRequest.of(token, "GET", URI_, Set.of());

    assertThat(withFallback.validate(request).allowed()).isTrue();
    answer.set(RevocationFallback.Answer.INACTIVE);
    assertDenied(withFallback.validate(request), DenyReason.REVOKED);
    answer.set(RevocationFallback.Answer.UNKNOWN);
    assertDenied(withFallback.validate(request), DenyReason.FEED_STALE);
  }

  @Test
  void shouldDenyWhenFeedNotReadyOrStale() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    index.markNotReady();
    assertDenied(validate(token), DenyReason.FEED_STALE);

    index.markCaughtUp(NOW.toEpochMilli());
    assertThat(validate(token).allowed()).isTrue();
    clock.advance(Duration.ofSeconds(11));
    assertDenied(validate(token), DenyReason.FEED_STALE);
  }

  // ---- max uses ----

  @Test
  void shouldDenyUsesBeyondMaxUses() {
    String token = tokens.sign(TestTokens.claims(NOW).claim("max_uses", 2).build());
    assertThat(validate(token).useCount()).isEqualTo(1);
    assertThat(validate(token).useCount()).isEqualTo(2);
    Decision third = validate(token);
    assertDenied(third, DenyReason.MAX_USES_EXCEEDED);
    assertThat(third.useCount()).isEqualTo(2);
  }

  @Test
  void shouldNotCountDeniedAttemptsAsUses() {
    String token = tokens.sign(TestTokens.claims(NOW).claim("max_uses", 1).build());
    assertDenied(validate(token, "admin"), DenyReason.INSUFFICIENT_SCOPE);
    assertThat(validate(token, "read").allowed()).isTrue();
  }

  // ---- DPoP ----

  private String dpopToken() {
    return tokens.sign(TestTokens.claims(NOW).claim("cnf", tokens.dpopCnf()).build());
  }

  private Decision validateDpop(String token, String proof) {
    return validator.validate(
        TokenRequest.of(token, "GET", URI_, Set.of("read")).withDpopProof(proof));
  }

  @Test
  void shouldAllowDpopBoundTokenWithValidProof() {
    String token = dpopToken();
    Decision decision = validateDpop(token, tokens.proof("GET", URI_, token, NOW));
    assertThat(decision.allowed()).isTrue();
    assertThat(decision.bindingThumbprint()).isEqualTo(tokens.dpopThumbprint());
  }

  @Test
  void shouldAcceptProofHtuWithDefaultPortAndQuery() {
    String token = dpopToken();
    assertThat(
            validator
                .validate(
                    TokenRequest.of(token, "GET", URI_ + "?page=2", Set.of())
                        .withDpopProof(
                            tokens.proof("GET", "https://API.example:443/orders/42", token, NOW)))
                .allowed())
        .isTrue();
  }

  @Test
  void shouldDenyDpopBoundTokenWithoutProof() {
    String token = dpopToken();
    assertDenied(validate(token), DenyReason.MISSING_PROOF);
  }

  @Test
  void shouldDenyProofForAnotherMethodUriOrToken() {
    String token = dpopToken();
    assertDenied(
        validateDpop(token, tokens.proof("POST", URI_, token, NOW)), DenyReason.INVALID_PROOF);
    assertDenied(
        validateDpop(token, tokens.proof("GET", "https://api.example/orders/43", token, NOW)),
        DenyReason.INVALID_PROOF);
    assertDenied(
        validateDpop(token, tokens.proof("GET", URI_, "another-token", NOW)),
        DenyReason.INVALID_PROOF);
  }

  @Test
  void shouldDenyStaleOrFutureProof() {
    String token = dpopToken();
    assertDenied(
        validateDpop(token, tokens.proof("GET", URI_, token, NOW.minusSeconds(300))),
        DenyReason.INVALID_PROOF);
    assertDenied(
        validateDpop(token, tokens.proof("GET", URI_, token, NOW.plusSeconds(300))),
        DenyReason.INVALID_PROOF);
  }

  @Test
  void shouldDenyProofSignedByAnotherKey() throws Exception {
    String token = dpopToken();
    ECKey other = new ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).generate();
    assertDenied(
        validateDpop(
            token,
            TestTokens.proof(other, TestTokens.proofClaims("GET", URI_, token, NOW).build())),
        DenyReason.BINDING_MISMATCH);
  }

  @Test
  void shouldDenyProofWithWrongTypeOrForgedSignature() {
    String token = dpopToken();
    String proof = tokens.proof("GET", URI_, token, NOW);
    String[] parts = proof.split("\\.");
    String forged =
        parts[0]
            + "."
            + Base64URL.encode(
                    TestTokens.proofClaims("GET", URI_, token, NOW)
                        .build()
                        .toString()
                        .getBytes(StandardCharsets.UTF_8))
                .toString()
            + "."
            + parts[2];
    assertDenied(validateDpop(token, forged), DenyReason.INVALID_PROOF);
    assertDenied(validateDpop(token, "garbage"), DenyReason.INVALID_PROOF);
    assertDenied(validateDpop(token, token), DenyReason.INVALID_PROOF); // typ at+jwt, no jwk
  }

  @Test
  void shouldDenyProofWithBlankJtiAsTheIssuerDoes() {
    String token = dpopToken();
    for (String jti : new String[] {"", " ", "\t"}) {
      assertDenied(
          validateDpop(
              token,
              TestTokens.proof(
                  tokens.dpopKey,
                  TestTokens.proofClaims("GET", URI_, token, NOW).jwtID(jti).build())),
          DenyReason.INVALID_PROOF);
    }
  }

  @Test
  void shouldDenyReplayedProof() {
    String token = dpopToken();
    String proof = tokens.proof("GET", URI_, token, NOW);
    assertThat(validateDpop(token, proof).allowed()).isTrue();
    assertDenied(validateDpop(token, proof), DenyReason.PROOF_REPLAYED);
  }

  @Test
  void shouldDenyDpopSchemeWithUnboundToken() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    assertDenied(
        validateDpop(token, tokens.proof("GET", URI_, token, NOW)), DenyReason.BINDING_MISMATCH);
  }

  // ---- mTLS ----

  @Test
  void shouldCheckCertificateBinding() {
    String token =
        tokens.sign(TestTokens.claims(NOW).claim("cnf", Map.of("x5t#S256", "cert-thumb")).build());
    TokenRequest request = TokenRequest.of(token, "GET", URI_, Set.of());
    assertDenied(validator.validate(request), DenyReason.MISSING_PROOF);
    assertDenied(
        validator.validate(request.withClientCertificateThumbprint("other-thumb")),
        DenyReason.BINDING_MISMATCH);
    Decision allowed = validator.validate(request.withClientCertificateThumbprint("cert-thumb"));
    assertThat(allowed.allowed()).isTrue();
    assertThat(allowed.bindingThumbprint()).isEqualTo("cert-thumb");
  }

  @Test
  void shouldNeverPrintTheTokenInRequestToString() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    assertThat(TokenRequest.of(token, "GET", URI_, Set.of()).toString()).doesNotContain(token);
  }
}
