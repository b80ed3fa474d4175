package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.testing.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionsTest {

  static final Person ALICE = new Person("alice", "Alice", EnumSet.of(Role.USER), Person.LOCAL);

  final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T00:00:00Z"));
  final Sessions sessions = new Sessions(clock, Duration.ofMinutes(15), Duration.ofHours(8), 100);

  @Test
  void shouldFindALiveSessionByItsIdOnly() {
    Sessions.Created created = sessions.create(ALICE);

    assertThat(sessions.find(created.id()))
        .hasValueSatisfying(s -> assertThat(s.person()).isEqualTo(ALICE));
    assertThat(sessions.find(Sessions.randomToken())).isEmpty();
  }

  @Test
  void shouldHandOut256RandomBitsPerIdAndCsrfToken() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Sessions.Created created = sessions.create(ALICE);
      assertThat(created.id()).hasSize(43).matches("[A-Za-z0-9_-]+");
      assertThat(Sessions.looksLikeToken(created.id())).isTrue();
      assertThat(seen.add(created.id())).isTrue();
      assertThat(seen.add(created.session().csrfToken())).isTrue();
    }
  }

  @Test
  void shouldEndASessionIdleLongerThanTheIdleTimeout() {
    Sessions.Created created = sessions.create(ALICE);
    clock.advance(Duration.ofMinutes(14));
    assertThat(sessions.find(created.id())).isPresent();

    clock.advance(Duration.ofMinutes(14));
    assertThat(sessions.find(created.id())).isPresent();

    clock.advance(Duration.ofMinutes(15).plusSeconds(1));
    assertThat(sessions.find(created.id())).isEmpty();
  }

  @Test
  void shouldEndAnActiveSessionAtItsAbsoluteLifetime() {
    Sessions.Created created = sessions.create(ALICE);
    for (int i = 0; i < 47; i++) {
      clock.advance(Duration.ofMinutes(10));
      assertThat(sessions.find(created.id())).as("after %d minutes", (i + 1) * 10).isPresent();
    }

    clock.advance(Duration.ofMinutes(10));

    assertThat(sessions.find(created.id())).isEmpty();
  }

  @Test
  void shouldEndASessionAtLogout() {
    Sessions.Created created = sessions.create(ALICE);

    sessions.end(created.id());

    assertThat(sessions.find(created.id())).isEmpty();
  }

  @Test
  void shouldStayWithinItsBound() {
    for (int i = 0; i < 1_000; i++) {
      sessions.create(ALICE);
    }

    assertThat(sessions.size()).isLessThanOrEqualTo(100);
  }
}
