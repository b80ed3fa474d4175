package io.tokenwatch.validator;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Revocation selectors and watermarks, the feed's staleness and its fallback, max uses. */
class TokenValidatorRevocationTest extends TokenValidatorHarness {

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
}
