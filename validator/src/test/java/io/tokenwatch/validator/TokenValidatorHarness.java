package io.tokenwatch.validator;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the {@link TokenValidator} tests share: a validator over {@link TestTokens}' keys, a
 * revocation index caught up at {@link #NOW}, a settable clock and the decisions reported.
 */
abstract class TokenValidatorHarness {

  static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");
  static final String URI_ = "https://api.example/orders/42";

  final TestTokens tokens = new TestTokens();
  final MutableClock clock = new MutableClock(NOW);
  final RevocationIndex index = new RevocationIndex();
  final List<Decision> reported = new ArrayList<>();
  TokenValidator validator;

  @BeforeEach
  void setUp() {
    index.markCaughtUp(NOW.toEpochMilli());
    validator = validator(JwksSource.fixed(tokens.publicKeys()));
  }

  TokenValidator validator(JwksSource jwks) {
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

  void advanceWithFreshFeed(Duration by) {
    clock.advance(by);
    index.markCaughtUp(clock.millis());
  }

  Decision validate(String token, String... scopes) {
    return validator.validate(TokenRequest.of(token, "GET", URI_, Set.of(scopes)));
  }

  static void assertDenied(Decision decision, DenyReason reason) {
    assertThat(decision).isInstanceOf(Decision.Deny.class);
    assertThat(((Decision.Deny) decision).reason()).isEqualTo(reason);
  }
}
