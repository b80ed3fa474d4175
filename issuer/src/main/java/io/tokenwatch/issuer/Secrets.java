package io.tokenwatch.issuer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Hashing and generation of high-entropy secrets (client secrets, refresh tokens).
 *
 * <p>A plain SHA-256 is the right hash here, not a slow password hash: these secrets are 256-bit
 * random values, so there is no dictionary to attack and a brute force over 2^256 candidates is out
 * of reach however fast each guess is. A slow hash would only slow down every token request.
 * Human-chosen passwords must never be stored this way. Thread-safe.
 */
public final class Secrets {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private Secrets() {}

  /** A new random secret: 32 bytes, base64url without padding (43 characters). */
  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return B64URL.encodeToString(bytes);
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

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
