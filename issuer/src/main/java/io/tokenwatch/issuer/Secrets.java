package io.tokenwatch.issuer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;

/**
 * Hashing and generation of high-entropy secrets (client secrets, refresh tokens).
 *
 * <p>A plain SHA-256 is the right hash here, not a slow password hash: these secrets are 256-bit
 * random values, so there is no dictionary to attack and a brute force over 2^256 candidates is out
 * of reach however fast each guess is. A slow hash would only slow down every token request.
 * Human-chosen passwords must never be stored this way. Thread-safe.
 *
 * <p>Randomness comes from one DRBG per thread rather than one shared generator: the JDK's default
 * {@code NativePRNG} (which {@link UUID#randomUUID()} also uses) serializes every caller on one
 * global lock, and under load the request threads queued on it (profiled: the issuer's most
 * contended monitor). Each per-thread DRBG is seeded from the system's entropy source, so the
 * values stay unpredictable.
 */
public final class Secrets {

  private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(Secrets::drbg);
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private Secrets() {}

  /** A new random secret: 32 bytes, base64url without padding (43 characters). */
  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.get().nextBytes(bytes);
    return B64URL.encodeToString(bytes);
  }

  /**
   * A random (version 4) UUID, as {@link UUID#randomUUID()} makes, from this thread's generator:
   * used for token ids ({@code jti}) and event ids, so it must be unpredictable and unique.
   */
  public static UUID randomUuid() {
    byte[] bytes = new byte[16];
    RANDOM.get().nextBytes(bytes);
    bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80); // IETF variant
    long most = 0;
    long least = 0;
    for (int i = 0; i < 8; i++) {
      most = (most << 8) | (bytes[i] & 0xff);
      least = (least << 8) | (bytes[i + 8] & 0xff);
    }
    return new UUID(most, least);
  }

  /** Base64url SHA-256 of the secret's UTF-8 bytes (43 characters). */
  public static String hash(String secret) {
    return B64URL.encodeToString(sha256(secret.getBytes(StandardCharsets.UTF_8)));
  }

  /** Base64url SHA-256 of raw bytes (43 characters). */
  public static String hash(byte[] bytes) {
    return B64URL.encodeToString(sha256(bytes));
  }

  /** Whether {@code secret} hashes to {@code expectedHash}, compared in constant time. */
  public static boolean matches(String secret, String expectedHash) {
    return MessageDigest.isEqual(
        hash(secret).getBytes(StandardCharsets.US_ASCII),
        expectedHash.getBytes(StandardCharsets.US_ASCII));
  }

  private static SecureRandom drbg() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (NoSuchAlgorithmException e) {
      // Every JDK since 9 has DRBG; a plain instance is still correct, only contended.
      return new SecureRandom();
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
