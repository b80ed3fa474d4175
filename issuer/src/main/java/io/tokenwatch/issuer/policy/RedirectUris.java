package io.tokenwatch.issuer.policy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** What a registered redirect URI must be. Stateless. */
public final class RedirectUris {

  /** The longest redirect URI a policy may register or a request may name. */
  public static final int MAX_LENGTH = 512;

  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "[::1]", "localhost");

  private RedirectUris() {}

  /**
   * Why {@code value} cannot be registered, or null when it can: it must be an absolute {@code
   * https} URI, or {@code http} on a loopback host (RFC 8252 section 7.3), with a host, without
   * user info or fragment (RFC 6749 section 3.1.2), at most {@value #MAX_LENGTH} characters.
   */
  public static @Nullable String problem(String value) {
    if (value.length() > MAX_LENGTH) {
      return "is longer than " + MAX_LENGTH + " characters";
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      return "is not a valid URI";
    }
    if (!uri.isAbsolute() || uri.getRawAuthority() == null || uri.getHost() == null) {
      return "must be an absolute URI with a host";
    }
    if (uri.getRawUserInfo() != null) {
      return "must not carry user info";
    }
    if (uri.getRawFragment() != null) {
      return "must not have a fragment (RFC 6749 section 3.1.2)";
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https")) {
      return null;
    }
    if (scheme.equals("http") && LOOPBACK.contains(uri.getHost().toLowerCase(Locale.ROOT))) {
      return null;
    }
    return "must use https, or http on a loopback address (127.0.0.1, [::1], localhost)";
  }
}
