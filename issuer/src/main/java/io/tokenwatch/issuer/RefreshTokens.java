package io.tokenwatch.issuer;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The opaque refresh token format: {@code rt.<grant id>.<256-bit random secret>}. The grant id lets
 * any instance find the grant's state; only the SHA-256 of the whole token is ever stored.
 */
public final class RefreshTokens {

  private static final Pattern FORMAT =
      Pattern.compile(
          "rt\\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\.[A-Za-z0-9_-]{43}");

  private RefreshTokens() {}

  /** A presented refresh token, parsed. */
  public record Presented(String grantId, String hash) {}

  /** A new refresh token for {@code grantId}. */
  public static String newToken(String grantId) {
    return "rt." + grantId + "." + Secrets.newSecret();
  }

  /** The grant and hash of {@code token}, empty if it is not shaped like a refresh token. */
  public static Optional<Presented> parse(String token) {
    var matcher = FORMAT.matcher(token);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    return Optional.of(new Presented(matcher.group(1), Secrets.hash(token)));
  }
}
