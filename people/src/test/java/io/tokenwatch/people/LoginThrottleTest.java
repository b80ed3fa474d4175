package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T00:00:00Z"));
  final LoginThrottle throttle = new LoginThrottle(clock);

  private void fail(String user, String address, int times) {
    for (int i = 0; i < times; i++) {
      throttle.failed(user, address);
    }
  }

  @Test
  void shouldBlockAUserNameAfterFiveFailuresFromAnyAddress() {
    fail("alice", "10.0.0.1", 2);
    fail("alice", "10.0.0.2", 2);
    assertThat(throttle.blocked("alice", "10.0.0.3")).isEmpty();

    fail("alice", "10.0.0.4", 1);

    assertThat(throttle.blocked("alice", "10.0.0.9")).hasValue(LoginThrottle.WINDOW);
    assertThat(throttle.blocked("bob", "10.0.0.9")).isEmpty();
  }

  @Test
  void shouldBlockAnAddressGuessingManyUserNames() {
    for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
      throttle.failed("user" + i, "10.6.6.6");
    }

    assertThat(throttle.blocked("someone-else", "10.6.6.6")).isPresent();
    assertThat(throttle.blocked("someone-else", "10.0.0.1")).isEmpty();
  }

  @Test
  void shouldLiftTheBlockOnceTheWindowHasPassedSinceTheLastFailure() {
    fail("alice", "10.0.0.1", LoginThrottle.MAX_FAILURES);
    clock.advance(Duration.ofMinutes(10));
    assertThat(throttle.blocked("alice", "10.0.0.1")).hasValue(Duration.ofMinutes(5));

    clock.advance(Duration.ofMinutes(5));

    assertThat(throttle.blocked("alice", "10.0.0.1")).isEmpty();
  }

  @Test
  void shouldForgetAUsersFailuresAfterASuccessButNotTheAddresss() {
    fail("alice", "10.0.0.1", LoginThrottle.MAX_FAILURES - 1);
    throttle.succeeded("alice");
    fail("alice", "10.0.0.2", LoginThrottle.MAX_FAILURES - 1);

    assertThat(throttle.blocked("alice", "10.0.0.3")).isEmpty();

    fail("bob", "10.0.0.1", 1);
    assertThat(throttle.blocked("carol", "10.0.0.1")).isPresent();
  }

  @Test
  void shouldStartCountingAfreshWhenFailuresAreFurtherApartThanTheWindow() {
    fail("alice", "10.0.0.1", LoginThrottle.MAX_FAILURES - 1);
    clock.advance(LoginThrottle.WINDOW.plusSeconds(1));
    fail("alice", "10.0.0.2", 1);

    assertThat(throttle.blocked("alice", "10.0.0.3")).isEmpty();
  }
}
