package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The SETs this instance acted on, by {@code jti}, with the digest of their bytes: the replay
 * cache. An entry is kept until its SET would be refused as stale anyway ({@code iat} plus the
 * accepted age plus skew), and at most {@code capacity} entries are kept (the oldest go first).
 *
 * <p>Forgetting early is safe: a SET acted on again produces the same revocation request, event id
 * included, and revocation is monotonic. Thread-safe.
 */
public final class SeenSets {

  private final int capacity;
  private final Clock clock;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  private @org.jspecify.annotations.Nullable Instant lastSweep;

  private record Entry(String digest, Instant forgetAt) {}

  /**
   * @param capacity most entries kept
   */
  public SeenSets(int capacity, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    this.capacity = capacity;
    this.clock = requireNonNull(clock, "clock");
  }

  /** The digest of the SET acted on with this {@code jti}, if remembered. */
  public synchronized Optional<String> digest(String jti) {
    expire();
    Entry entry = entries.get(jti);
    return entry == null || !entry.forgetAt().isAfter(clock.instant())
        ? Optional.empty()
        : Optional.of(entry.digest());
  }

  /**
   * Remembers that the SET {@code jti} with {@code digest} was acted on, until {@code forgetAt}.
   */
  public synchronized void remember(String jti, String digest, Instant forgetAt) {
    requireNonNull(jti, "jti");
    requireNonNull(digest, "digest");
    requireNonNull(forgetAt, "forgetAt");
    expire();
    entries.remove(jti);
    entries.put(jti, new Entry(digest, forgetAt));
    while (entries.size() > capacity) {
      Iterator<Map.Entry<String, Entry>> oldest = entries.entrySet().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /** How many entries are held. */
  public synchronized int size() {
    expire();
    return entries.size();
  }

  /** Drops expired entries, sweeping at most once a second (a lookup checks its own entry). */
  private void expire() {
    Instant now = clock.instant();
    Instant last = lastSweep;
    if (last != null && java.time.Duration.between(last, now).abs().toSeconds() < 1) {
      return;
    }
    lastSweep = now;
    entries.values().removeIf(entry -> !entry.forgetAt().isAfter(now));
  }
}
