package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Slows password guessing: after {@link #MAX_FAILURES} failed logins for one user name, or from one
 * address, within {@link #WINDOW}, further attempts for it are refused until the window has passed
 * since the last failure. A success clears the user name's count (not the address's: one address
 * guessing many names keeps its count).
 *
 * <p>Bounded: at most {@link #MAX_KEYS} user names and as many addresses are tracked (Caffeine
 * evicts the least used), so a flood of made-up names cannot exhaust memory; an evicted key only
 * forgets its failures. Time comes from the injected clock. Thread-safe.
 */
final class LoginThrottle {

  static final int MAX_FAILURES = 5;
  static final Duration WINDOW = Duration.ofMinutes(15);
  static final long MAX_KEYS = 100_000;

  /** Failures of one key in the current window. */
  private record Failures(int count, Instant last) {}

  private final Clock clock;
  private final Cache<String, Failures> byUser;
  private final Cache<String, Failures> byAddress;

  LoginThrottle(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
    this.byUser = cache(clock);
    this.byAddress = cache(clock);
  }

  private static Cache<String, Failures> cache(Clock clock) {
    return Caffeine.newBuilder()
        .maximumSize(MAX_KEYS)
        .expireAfterWrite(WINDOW)
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .executor(Runnable::run)
        .build();
  }

  /** How long until {@code user} from {@code address} may try again, or empty when it may now. */
  Optional<Duration> blocked(String user, String address) {
    Instant now = clock.instant();
    Optional<Duration> userWait = wait(byUser.getIfPresent(user), now);
    Optional<Duration> addressWait = wait(byAddress.getIfPresent(address), now);
    if (userWait.isPresent() && addressWait.isPresent()) {
      return Optional.of(max(userWait.get(), addressWait.get()));
    }
    return userWait.isPresent() ? userWait : addressWait;
  }

  void failed(String user, String address) {
    Instant now = clock.instant();
    byUser.asMap().merge(user, new Failures(1, now), (old, one) -> next(old, now));
    byAddress.asMap().merge(address, new Failures(1, now), (old, one) -> next(old, now));
  }

  void succeeded(String user) {
    byUser.invalidate(user);
  }

  private static Failures next(Failures old, Instant now) {
    boolean expired = !old.last().plus(WINDOW).isAfter(now);
    return new Failures(expired ? 1 : old.count() + 1, now);
  }

  private static Optional<Duration> wait(@Nullable Failures failures, Instant now) {
    if (failures == null || failures.count() < MAX_FAILURES) {
      return Optional.empty();
    }
    Duration left = Duration.between(now, failures.last().plus(WINDOW));
    return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
