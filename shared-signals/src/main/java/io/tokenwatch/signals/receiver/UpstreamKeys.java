package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import io.tokenwatch.validator.JwksFetcher;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream transmitter's public signing keys, by {@code kid}. Loaded on first use, again when
 * older than the maximum age, and when a SET names an unknown {@code kid}, but never more often
 * than once per minimum interval: a flood of SETs with made-up key ids costs at most one fetch per
 * interval. A failed fetch keeps the keys already known. Keys without {@code kid}, with a use other
 * than {@code sig}, or private or symmetric keys are never used.
 *
 * <p>Thread-safe.
 */
public final class UpstreamKeys {

  private static final Logger log = LoggerFactory.getLogger(UpstreamKeys.class);

  private final JwksFetcher fetcher;
  private final Duration minRefreshInterval;
  private final Duration maxAge;
  private final Clock clock;
  private final ReentrantLock refreshLock = new ReentrantLock();
  private final AtomicLong fetches = new AtomicLong();
  private volatile Map<String, JWK> keys = Map.of();
  private volatile @Nullable Long fetchedAt;
  private volatile @Nullable Long lastAttempt;

  /**
   * @param fetcher where the key set comes from (e.g. an HTTP JWKS URL)
   * @param minRefreshInterval at most one fetch per this interval
   * @param maxAge keys older than this are fetched again on next use
   */
  public UpstreamKeys(
      JwksFetcher fetcher, Duration minRefreshInterval, Duration maxAge, Clock clock) {
    this.fetcher = requireNonNull(fetcher, "fetcher");
    this.minRefreshInterval = requireNonNull(minRefreshInterval, "minRefreshInterval");
    this.maxAge = requireNonNull(maxAge, "maxAge");
    this.clock = requireNonNull(clock, "clock");
    if (minRefreshInterval.isNegative() || maxAge.compareTo(minRefreshInterval) < 0) {
      throw new IllegalArgumentException("need 0 <= minRefreshInterval <= maxAge");
    }
  }

  /**
   * The public key {@code kid} names, fetching when allowed; empty when unknown. One thread fetches
   * at a time; others meanwhile answer from the keys already known.
   */
  public Optional<JWK> find(String kid) {
    requireNonNull(kid, "kid");
    long now = clock.millis();
    JWK key = keys.get(kid);
    Long fetched = fetchedAt;
    boolean old = fetched == null || now - fetched >= maxAge.toMillis();
    if ((key == null || old) && refreshAllowed(now) && refreshLock.tryLock()) {
      try {
        if (refreshAllowed(now)) {
          refresh(now);
        }
      } finally {
        refreshLock.unlock();
      }
      key = keys.get(kid);
    }
    return Optional.ofNullable(key);
  }

  /** How many fetches were attempted. */
  public long fetches() {
    return fetches.get();
  }

  private boolean refreshAllowed(long now) {
    Long last = lastAttempt;
    return last == null || now - last >= minRefreshInterval.toMillis();
  }

  private void refresh(long now) {
    lastAttempt = now;
    fetches.incrementAndGet();
    JWKSet set;
    try {
      set = fetcher.fetch();
    } catch (IOException | RuntimeException e) {
      log.warn(
          "Could not fetch the upstream's keys, keeping {} known: {}", keys.size(), e.toString());
      return;
    }
    Map<String, JWK> fresh = new HashMap<>();
    for (JWK jwk : set.getKeys()) {
      if (jwk.getKeyID() == null || jwk.isPrivate() || jwk.toPublicJWK() == null) {
        continue;
      }
      if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
        continue;
      }
      if (fresh.putIfAbsent(jwk.getKeyID(), jwk.toPublicJWK()) != null) {
        log.warn("The upstream's key set has kid {} twice; the first is used", jwk.getKeyID());
      }
    }
    keys = Map.copyOf(fresh);
    fetchedAt = now;
  }
}
