package io.tokenwatch.validator;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's signing keys, by {@code kid}, with a verifier ready for each.
 *
 * <p>A fetching source loads the key set on first use, again when it is older than its maximum age,
 * and when a token names an unknown {@code kid} — but never more often than once per minimum
 * refresh interval, so a flood of tokens with made-up key ids costs at most one fetch per interval.
 * Refreshes run on the calling thread, one at a time; other threads keep using the current keys
 * meanwhile. A failed refresh keeps the keys already known.
 *
 * <p>Thread-safe.
 */
public final class JwksSource {

  private static final Logger log = LoggerFactory.getLogger(JwksSource.class);

  private final @Nullable JwksFetcher fetcher;
  private final Duration minRefreshInterval;
  private final Duration maxAge;
  private final Clock clock;
  private final ReentrantLock refreshLock = new ReentrantLock();
  private final AtomicLong refreshes = new AtomicLong();
  private volatile Snapshot snapshot;
  private volatile long lastAttemptMillis = Long.MIN_VALUE;

  private JwksSource(
      @Nullable JwksFetcher fetcher,
      Snapshot initial,
      Duration minRefreshInterval,
      Duration maxAge,
      Clock clock) {
    this.fetcher = fetcher;
    this.snapshot = initial;
    this.minRefreshInterval = minRefreshInterval;
    this.maxAge = maxAge;
    this.clock = clock;
  }

  /** A fixed key set, never refreshed (e.g. an issuer checking tokens it signed itself). */
  public static JwksSource fixed(JWKSet keys) {
    requireNonNull(keys, "keys");
    return new JwksSource(
        null,
        Snapshot.of(keys, 0, Long.MAX_VALUE),
        Duration.ZERO,
        Duration.ofMillis(Long.MAX_VALUE),
        Clock.systemUTC());
  }

  /**
   * A key set loaded with {@code fetcher}.
   *
   * @param minRefreshInterval at most one fetch per this interval, whatever the tokens say
   * @param maxAge keys older than this are refreshed on next use (so removed keys stop verifying)
   * @param clock the time source
   */
  public static JwksSource fetching(
      JwksFetcher fetcher, Duration minRefreshInterval, Duration maxAge, Clock clock) {
    requireNonNull(fetcher, "fetcher");
    requireNonNull(minRefreshInterval, "minRefreshInterval");
    requireNonNull(maxAge, "maxAge");
    requireNonNull(clock, "clock");
    if (minRefreshInterval.isNegative() || maxAge.compareTo(minRefreshInterval) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= minRefreshInterval <= maxAge, got " + minRefreshInterval + ", " + maxAge);
    }
    return new JwksSource(
        fetcher, Snapshot.of(new JWKSet(), 0, Long.MIN_VALUE), minRefreshInterval, maxAge, clock);
  }

  /** Where the keys come from, when a URL; see {@link JwksFetcher#location()}. */
  public @Nullable URI location() {
    return fetcher == null ? null : fetcher.location();
  }

  /** How many fetches were attempted so far. */
  public long refreshCount() {
    return refreshes.get();
  }

  /**
   * Bumped whenever a key disappears or changes, so verifications cached under an older generation
   * are done again.
   */
  long generation() {
    return snapshot.generation;
  }

  /** The key and verifier for {@code kid}, refreshing when allowed; {@code null} when unknown. */
  @Nullable Entry find(String kid) {
    Snapshot current = snapshot;
    long now = clock.millis();
    Entry entry = current.entries.get(kid);
    boolean old = fetcher != null && now - current.fetchedAtMillis >= maxAge.toMillis();
    if (entry != null && !old) {
      return entry;
    }
    if (fetcher != null && refreshAllowed(now)) {
      refresh(now, entry == null);
      return snapshot.entries.get(kid);
    }
    if (entry == null && fetcher != null && refreshLock.isLocked()) {
      // Another thread is fetching: a key unknown so far may be in what it brings.
      awaitRefresh();
      return snapshot.entries.get(kid);
    }
    return entry;
  }

  /** Waits for the fetch in progress, if any (bounded by the fetcher's own timeout). */
  private void awaitRefresh() {
    refreshLock.lock();
    try {
      // nothing: holding the lock once means the fetch that held it has ended
    } finally {
      refreshLock.unlock();
    }
  }

  private boolean refreshAllowed(long now) {
    long last = lastAttemptMillis;
    return last == Long.MIN_VALUE || now - last >= minRefreshInterval.toMillis();
  }

  /**
   * Fetches the key set unless another thread is fetching it: then a caller that has a key for its
   * token goes on with it, and one that has none ({@code unknownKid}) waits for that fetch rather
   * than deny a valid token whose key is on its way (a validator's first requests arrive together,
   * while its first fetch runs).
   */
  private void refresh(long now, boolean unknownKid) {
    JwksFetcher source = Objects.requireNonNull(fetcher);
    if (!refreshLock.tryLock()) {
      if (unknownKid) {
        awaitRefresh();
      }
      return;
    }
    try {
      if (!refreshAllowed(now)) {
        return;
      }
      lastAttemptMillis = now;
      refreshes.incrementAndGet();
      JWKSet keys;
      try {
        keys = source.fetch();
      } catch (IOException | RuntimeException e) {
        log.warn(
            "Could not refresh the issuer's keys, keeping {} known", snapshot.entries.size(), e);
        return;
      }
      Snapshot previous = snapshot;
      Snapshot next = Snapshot.of(keys, previous.generation, now);
      boolean lostOrChanged =
          previous.entries.entrySet().stream()
              .anyMatch(
                  e -> {
                    Entry now2 = next.entries.get(e.getKey());
                    return now2 == null || !now2.key.equals(e.getValue().key);
                  });
      snapshot = lostOrChanged ? Snapshot.of(keys, previous.generation + 1, now) : next;
    } finally {
      refreshLock.unlock();
    }
  }

  /** A key and its verifier. */
  record Entry(JWK key, JWSVerifier verifier) {}

  private static final class Snapshot {
    final Map<String, Entry> entries;
    final long generation;
    final long fetchedAtMillis;

    private Snapshot(Map<String, Entry> entries, long generation, long fetchedAtMillis) {
      this.entries = entries;
      this.generation = generation;
      this.fetchedAtMillis = fetchedAtMillis;
    }

    static Snapshot of(JWKSet keys, long generation, long fetchedAtMillis) {
      Map<String, Entry> entries = new HashMap<>();
      for (JWK key : keys.getKeys()) {
        if (key.getKeyID() == null) {
          continue; // tokens always name their key; a key without an id can never be chosen
        }
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
          continue;
        }
        JWSVerifier verifier = verifierFor(key.toPublicJWK());
        if (verifier != null) {
          entries.put(key.getKeyID(), new Entry(key.toPublicJWK(), verifier));
        }
      }
      return new Snapshot(Map.copyOf(entries), generation, fetchedAtMillis);
    }
  }

  /** A verifier for an asymmetric public key, or {@code null} for key types never accepted. */
  static @Nullable JWSVerifier verifierFor(JWK key) {
    try {
      if (key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
        return new Ed25519Verifier(okp);
      }
      if (key instanceof RSAKey rsa) {
        return new RSASSAVerifier(rsa);
      }
      if (key instanceof ECKey ec) {
        return new ECDSAVerifier(ec);
      }
    } catch (JOSEException e) {
      log.warn("Ignoring unusable key {}: {}", key.getKeyID(), e.getMessage());
    }
    return null; // symmetric and unknown key types never verify access tokens
  }
}
