package io.tokenwatch.people;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a login may send the browser afterwards: only a path on this server. The {@code next}
 * parameter comes from a link anyone can craft, so anything that a browser could resolve to another
 * origin is refused: a scheme ({@code https://evil}, {@code javascript:}), a protocol-relative
 * {@code //evil}, a backslash (browsers read {@code /\evil} as {@code //evil}), and control
 * characters and spaces (browsers drop tabs and newlines, turning {@code /\t/evil} into {@code
 * //evil}).
 */
final class SafeRedirect {

  static final String HOME = "/";
  static final int MAX_LENGTH = 2048;

  private SafeRedirect() {}

  /** {@code next} when it is a same-origin path, else empty. */
  static Optional<String> path(@Nullable String next) {
    if (next == null || next.isEmpty() || next.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    if (next.charAt(0) != '/' || next.startsWith("//")) {
      return Optional.empty();
    }
    for (int i = 0; i < next.length(); i++) {
      char c = next.charAt(i);
      if (c == '\\'
          || c <= 0x20
          || c == 0x7f
          || Character.isWhitespace(c)
          || Character.isISOControl(c)) {
        return Optional.empty();
      }
    }
    try {
      URI uri = new URI(next);
      if (uri.isAbsolute()
          || uri.getRawAuthority() != null
          || uri.getRawPath() == null
          || !uri.getRawPath().startsWith("/")) {
        return Optional.empty();
      }
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    return Optional.of(next);
  }

  /** {@code next} when safe, else {@link #HOME}. */
  static String pathOrHome(@Nullable String next) {
    return path(next).orElse(HOME);
  }
}
