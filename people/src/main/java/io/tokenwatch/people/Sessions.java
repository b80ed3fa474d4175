package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Server-side sessions of logged-in people. A session id is 256 random bits, handed to the browser
 * once and kept here only as its SHA-256, so the store (a heap dump, a log line) never holds a
 * usable id. A session ends when it has been idle longer than the idle timeout or lived longer than
 * the absolute lifetime, whichever comes first, or at logout.
 *
 * <p>Bounded: at most {@code maxSessions} live at once; beyond that Caffeine evicts the least
 * recently used, which logs that person out rather than letting a login flood exhaust memory. Time
 * comes from the injected clock. Thread-safe.
 */
final class Sessions {

  /** One live session. */
  record Session(Person person, String csrfToken, Instant created) {
    Session {
      requireNonNull(person, "person");
      requireNonNull(csrfToken, "csrfToken");
      requireNonNull(created, "created");
    }
  }

  /** A session just created, with the id to hand to the browser (never stored). */
  record Created(String id, Session session) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Clock clock;
  private final Duration idle;
  private final Duration maxLifetime;
  private final Cache<String, Session> byIdHash;

  Sessions(Clock clock, Duration idle, Duration maxLifetime, long maxSessions) {
    this.clock = requireNonNull(clock, "clock");
    this.idle = requireNonNull(idle, "idle");
    this.maxLifetime = requireNonNull(maxLifetime, "maxLifetime");
    this.byIdHash =
        Caffeine.newBuilder()
            .maximumSize(maxSessions)
            .expireAfterAccess(idle)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .executor(Runnable::run)
            .build();
  }

  /** A new session for {@code person} with a fresh id and CSRF token. */
  Created create(Person person) {
    String id = randomToken();
    Session session = new Session(person, randomToken(), clock.instant());
    byIdHash.put(hash(id), session);
    return new Created(id, session);
  }

  /**
   * The live session of {@code id}, refreshing its idle timer; empty when unknown, idle too long or
   * past its absolute lifetime (then it is removed).
   */
  Optional<Session> find(String id) {
    String key = hash(id);
    Session session = byIdHash.getIfPresent(key);
    if (session == null) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(session.created().plus(maxLifetime))) {
      byIdHash.invalidate(key);
      return Optional.empty();
    }
    return Optional.of(session);
  }

  /** Ends the session of {@code id}, if any. */
  void end(String id) {
    byIdHash.invalidate(hash(id));
  }

  /** How long an unused session lives. */
  Duration idle() {
    return idle;
  }

  /** Live sessions, approximately (for tests and metrics). */
  long size() {
    byIdHash.cleanUp();
    return byIdHash.estimatedSize();
  }

  /** Whether {@code text} has the shape of a {@link #randomToken()}: cheap to reject junk early. */
  static boolean looksLikeToken(String text) {
    return text.length() == 43 && text.chars().allMatch(Sessions::isBase64Url);
  }

  private static boolean isBase64Url(int c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_';
  }

  /** 256 random bits, base64url without padding. */
  static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String hash(String id) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
