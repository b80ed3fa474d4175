package io.tokenwatch.issuer.consent;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.Secrets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authorization codes: random, short-lived, single-use, held in this instance's memory by their
 * hash. A code lives for the configured TTL (a minute by default), so a restart invalidates the few
 * outstanding ones and their clients send the person through the consent page again; persisting
 * them would buy nothing for a minute's life. A redeemed code is remembered for {@link
 * #REPLAY_MEMORY} after it expired, so a second presentation is recognised as a replay (and its
 * consent withdrawn) rather than as an unknown code. Thread-safe.
 */
public final class AuthorizationCodes {

  /** How long a redeemed code is remembered after its expiry, to recognise a replay. */
  public static final Duration REPLAY_MEMORY = Duration.ofHours(1);

  private static final String PREFIX = "ac-";

  private final Clock clock;
  private final Duration ttl;
  private final Map<String, Entry> byHash = new ConcurrentHashMap<>();

  /** The outcome of presenting a code. */
  public sealed interface Redemption {

    /** The first presentation of a live code: it is spent now. */
    record Redeemed(CodeGrant grant) implements Redemption {}

    /** The code was presented before: what it produced must be revoked. */
    record Replayed(CodeGrant grant) implements Redemption {}

    /** Never issued here, or expired unredeemed, or forgotten. */
    record Unknown() implements Redemption {}
  }

  private record Entry(CodeGrant grant, boolean redeemed) {}

  /**
   * @param clock the time source
   * @param ttl how long a code may be redeemed
   */
  public AuthorizationCodes(Clock clock, Duration ttl) {
    this.clock = requireNonNull(clock, "clock");
    this.ttl = requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive");
    }
  }

  /** How long a code may be redeemed. */
  public Duration ttl() {
    return ttl;
  }

  /** A new code for {@code grant}, whose {@code expiresAt} the caller set from {@link #ttl}. */
  public String issue(CodeGrant grant) {
    requireNonNull(grant, "grant");
    forgetOld();
    String code = PREFIX + Secrets.newSecret();
    byHash.put(Secrets.hash(code), new Entry(grant, false));
    return code;
  }

  /** Presents a code: spends it on its first presentation, whoever presents it. */
  public Redemption redeem(String code) {
    requireNonNull(code, "code");
    Instant now = clock.instant();
    Entry[] before = new Entry[1];
    byHash.computeIfPresent(
        Secrets.hash(code),
        (hash, entry) -> {
          before[0] = entry;
          // An expired code that was never redeemed produced nothing: it stays unredeemed.
          boolean live = now.isBefore(entry.grant().expiresAt());
          return new Entry(entry.grant(), entry.redeemed() || live);
        });
    Entry entry = before[0];
    if (entry == null) {
      return new Redemption.Unknown();
    }
    if (entry.redeemed()) {
      return new Redemption.Replayed(entry.grant());
    }
    if (!now.isBefore(entry.grant().expiresAt())) {
      return new Redemption.Unknown();
    }
    return new Redemption.Redeemed(entry.grant());
  }

  private void forgetOld() {
    Instant horizon = clock.instant().minus(REPLAY_MEMORY);
    byHash.values().removeIf(entry -> entry.grant().expiresAt().isBefore(horizon));
  }
}
