package io.tokenwatch.issuer.consent;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.policy.AudienceRule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authorization requests shown to a person and not yet answered, kept on the server under a random
 * id so the consent form carries only that id: the person can narrow the scopes, never change the
 * client, redirect URI or anything else the request said. An entry belongs to the person it was
 * shown to, is answered once, and expires after {@link #TTL}. Bounded: when {@link #MAX} are
 * pending, the oldest are dropped (their forms then say the request expired). Thread-safe.
 */
public final class PendingRequests {

  /** How long a person has to answer the consent page. */
  public static final Duration TTL = Duration.ofMinutes(10);

  /** The most requests pending at once. */
  public static final int MAX = 10_000;

  private final Clock clock;
  private final Map<String, Pending> byId = new ConcurrentHashMap<>();

  /** A request shown to {@code user}. */
  public record Pending(
      AuthorizationRequest request, AudienceRule rule, String user, Instant shownAt) {
    public Pending {
      requireNonNull(request, "request");
      requireNonNull(rule, "rule");
      requireNonNull(user, "user");
      requireNonNull(shownAt, "shownAt");
    }
  }

  public PendingRequests(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /** Keeps a request shown to {@code user}; the id goes in the form. */
  public String add(AuthorizationRequest request, AudienceRule rule, String user) {
    Instant now = clock.instant();
    byId.values().removeIf(pending -> !now.isBefore(pending.shownAt().plus(TTL)));
    while (byId.size() >= MAX) {
      byId.entrySet().stream()
          .min(Map.Entry.comparingByValue(java.util.Comparator.comparing(Pending::shownAt)))
          .ifPresent(oldest -> byId.remove(oldest.getKey()));
    }
    String id = Secrets.newSecret();
    byId.put(id, new Pending(request, rule, user, now));
    return id;
  }

  /**
   * Takes the request of that id if it was shown to {@code user} and has not expired; it is gone
   * afterwards, so a form is answered once.
   */
  public Optional<Pending> take(String id, String user) {
    requireNonNull(id, "id");
    requireNonNull(user, "user");
    Pending pending = byId.get(id);
    if (pending == null || !pending.user().equals(user)) {
      return Optional.empty(); // another person's request is as good as unknown, and stays
    }
    if (!byId.remove(id, pending) || !clock.instant().isBefore(pending.shownAt().plus(TTL))) {
      return Optional.empty();
    }
    return Optional.of(pending);
  }
}
