package io.tokenwatch.revocation.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;

/**
 * Checks an {@code Authorization: Bearer <secret>} header against the SHA-256 of the configured
 * secret, in constant time. Only the hash is held, so the secret itself is never in configuration,
 * memory dumps or logs. Thread-safe.
 */
final class BearerAuthenticator {

  /** The outcome, with the RFC 6750 error to report when not authenticated. */
  enum Outcome {
    AUTHENTICATED,
    /** No bearer credentials at all: the challenge carries no error code (RFC 6750 3.1). */
    MISSING,
    /** Credentials presented but wrong. */
    INVALID
  }

  private final byte @Nullable [] expectedHash;

  /**
   * @param expectedHash SHA-256 of the secret, or null to refuse every caller
   */
  BearerAuthenticator(byte @Nullable [] expectedHash) {
    this.expectedHash = expectedHash == null ? null : expectedHash.clone();
  }

  Outcome check(@Nullable String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Outcome.MISSING;
    }
    String secret = authorization.substring(7).trim();
    byte[] expected = expectedHash;
    if (expected == null || secret.isEmpty()) {
      return Outcome.INVALID;
    }
    return MessageDigest.isEqual(sha256(secret), expected)
        ? Outcome.AUTHENTICATED
        : Outcome.INVALID;
  }

  static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
