package io.tokenwatch.validator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Signature, key, header and claim checks: what a token must be to be allowed. */
class TokenValidatorVerificationTest extends TokenValidatorHarness {

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
  void shouldWaitForTheFirstKeyFetchInProgressRatherThanDenyAValidToken() throws Exception {
    CountDownLatch fetching = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TokenValidator first =
        TokenValidator.builder()
            .issuer(TestTokens.ISSUER)
            .audience(TestTokens.AUDIENCE)
            .jwks(
                JwksSource.fetching(
                    () -> {
                      fetching.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return tokens.publicKeys();
                    },
                    Duration.ofSeconds(10),
                    Duration.ofHours(1),
                    clock))
            .revocations(index)
            .clock(clock)
            .build();
    String token = tokens.sign(TestTokens.claims(NOW).build());
    TokenRequest request = TokenRequest.of(token, "GET", "/orders/42", Set.of());
    CompletableFuture<Decision> fetcher =
        CompletableFuture.supplyAsync(() -> first.validate(request));
    fetching.await();
    // A second request for the same, valid token while the validator's first fetch runs.
    AtomicReference<Decision> second = new AtomicReference<>();
    Thread concurrent = new Thread(() -> second.set(first.validate(request)));
    concurrent.start();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> second.get() != null || concurrent.getState() == Thread.State.WAITING);
    release.countDown();
    concurrent.join(10_000);

    assertThat(fetcher.get().allowed()).isTrue();
    assertThat(second.get()).isNotNull();
    assertThat(second.get().allowed()).as("%s", second.get()).isTrue();
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
}
