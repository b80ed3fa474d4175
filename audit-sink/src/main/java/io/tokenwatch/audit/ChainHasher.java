package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Computes chain hashes: {@code hash = SHA-256(previous_hash || canonical_bytes(record, seq))},
 * where the first record of a chain (seq 0) uses {@link #genesis()} (32 zero bytes) as its previous
 * hash. Not thread-safe: one instance per thread.
 */
public final class ChainHasher {

  private static final int HASH_BYTES = 32;

  /** The previous hash of the first record of every chain: 32 zero bytes (a fresh copy). */
  public static byte[] genesis() {
    return new byte[HASH_BYTES];
  }

  private final CanonicalEncoding encoding = new CanonicalEncoding();
  private final MessageDigest sha256;

  public ChainHasher() {
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /** The hash of {@code event} at position {@code seq}, chained to {@code previous}. */
  public byte[] hash(byte[] previous, long seq, AuditEvent event) {
    requireNonNull(previous, "previous");
    requireNonNull(event, "event");
    if (previous.length != 32) {
      throw new IllegalArgumentException("previous hash must be 32 bytes: " + previous.length);
    }
    encoding.encodeInto(event, seq);
    sha256.update(previous);
    sha256.update(encoding.buffer(), 0, encoding.length());
    return sha256.digest();
  }

  /**
   * The hash of a record given its canonical bytes (as computed elsewhere, e.g. by the store),
   * chained to {@code previous}.
   */
  public byte[] hashCanonical(byte[] previous, byte[] canonical) {
    requireNonNull(previous, "previous");
    requireNonNull(canonical, "canonical");
    return hashCanonical(previous, canonical, 0, canonical.length);
  }

  /** As {@link #hashCanonical(byte[], byte[])} for the canonical bytes in a slice of an array. */
  public byte[] hashCanonical(byte[] previous, byte[] bytes, int from, int length) {
    requireNonNull(previous, "previous");
    requireNonNull(bytes, "bytes");
    sha256.update(previous);
    sha256.update(bytes, from, length);
    return sha256.digest();
  }
}
