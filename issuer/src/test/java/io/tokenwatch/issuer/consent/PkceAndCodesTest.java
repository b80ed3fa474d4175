package io.tokenwatch.issuer.consent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PkceAndCodesTest {

  /** RFC 7636 appendix B. */
  static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  static final String CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

  @Test
  void shouldVerifyTheRfc7636ExampleAndNothingElse() {
    assertThat(Pkce.verifies(VERIFIER, CHALLENGE)).isTrue();
    assertThat(Pkce.verifies(VERIFIER.substring(1) + "A", CHALLENGE)).isFalse();
    // plain: the challenge itself as verifier never passes
    assertThat(Pkce.verifies(CHALLENGE, CHALLENGE)).isFalse();
    assertThat(Pkce.verifies("short", CHALLENGE)).isFalse();
  }

  @Test
  void shouldRedeemACodeOnceThenCallEveryLaterPresentationAReplay() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    AuthorizationCodes codes = new AuthorizationCodes(clock, Duration.ofSeconds(60));
    String code = codes.issue(grant(clock.instant().plusSeconds(60)));

    assertThat(codes.redeem(code)).isInstanceOf(AuthorizationCodes.Redemption.Redeemed.class);
    assertThat(codes.redeem(code)).isInstanceOf(AuthorizationCodes.Redemption.Replayed.class);
    clock.advance(Duration.ofMinutes(30));
    assertThat(codes.redeem(code)).isInstanceOf(AuthorizationCodes.Redemption.Replayed.class);
    assertThat(codes.redeem("ac-never-issued"))
        .isInstanceOf(AuthorizationCodes.Redemption.Unknown.class);
  }

  @Test
  void shouldRefuseAnExpiredCodeWithoutCallingItAReplay() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    AuthorizationCodes codes = new AuthorizationCodes(clock, Duration.ofSeconds(60));
    String code = codes.issue(grant(clock.instant().plusSeconds(60)));
    clock.advance(Duration.ofSeconds(60));

    assertThat(codes.redeem(code)).isInstanceOf(AuthorizationCodes.Redemption.Unknown.class);
    assertThat(codes.redeem(code)).isInstanceOf(AuthorizationCodes.Redemption.Unknown.class);
  }

  static CodeGrant grant(Instant expiresAt) {
    return new CodeGrant(
        "cns-1",
        "orders-assistant",
        "http://127.0.0.1:8765/callback",
        CHALLENGE,
        "n",
        false,
        "alice",
        "https://orders.example.com",
        List.of("orders:read"),
        expiresAt.minusSeconds(60),
        expiresAt);
  }
}
