package io.tokenwatch.issuer.consent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Pattern;

/** PKCE with the S256 method (RFC 7636); {@code plain} is never accepted. Stateless. */
public final class Pkce {

  /** RFC 7636 section 4.1: 43 to 128 unreserved characters. */
  private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");

  /** A base64url SHA-256 without padding is 43 characters. */
  private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");

  private Pkce() {}

  /** Whether {@code challenge} can be an S256 code challenge. */
  public static boolean wellFormedChallenge(String challenge) {
    return CHALLENGE.matcher(challenge).matches();
  }

  /** Whether {@code verifier} is well formed and hashes to {@code challenge} (constant time). */
  public static boolean verifies(String verifier, String challenge) {
    if (!VERIFIER.matcher(verifier).matches()) {
      return false;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      byte[] expected =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(digest)
              .getBytes(StandardCharsets.US_ASCII);
      return MessageDigest.isEqual(expected, challenge.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
