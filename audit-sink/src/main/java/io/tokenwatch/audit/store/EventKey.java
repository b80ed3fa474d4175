package io.tokenwatch.audit.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The fixed-width unique key of a stored event: the first 128 bits of SHA-256 of its event id
 * (UTF-8), held in a DuckDB {@code UUID} column under the primary key. A 16-byte key makes the
 * unique index far cheaper to maintain than the 36-byte (or longer) text id, for any id, UUID or
 * not; the text id stays a column.
 *
 * <p>Collision bound: for n distinct event ids the chance that any two share a key is at most
 * n(n-1)/2 / 2^128, under 2 * 10^-15 for a trillion events. Finding one given id's twin takes about
 * 2^128 hashes; crafting two fresh ids that collide takes about 2^64 and write access to an event
 * topic. Even then nothing is lost silently: the store compares the full ids of any key it already
 * holds, so two different ids with one key are reported as a collision, never taken for a duplicate
 * (see {@link AppendResult#collisions()}).
 *
 * <p>Not thread-safe: one instance per thread.
 */
final class EventKey {

  private final MessageDigest sha256;

  EventKey() {
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /** The key of {@code eventId}. */
  UUID of(String eventId) {
    byte[] digest = sha256.digest(eventId.getBytes(UTF_8));
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (digest[i] & 0xff);
      low = (low << 8) | (digest[8 + i] & 0xff);
    }
    return new UUID(high, low);
  }
}
