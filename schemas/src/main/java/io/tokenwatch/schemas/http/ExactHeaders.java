package io.tokenwatch.schemas.http;

import static java.util.Objects.requireNonNull;

import io.javalin.config.JavalinConfig;

/**
 * Makes a server read every request header as sent. Jetty reuses a header field seen earlier on the
 * same connection when a new one matches it ignoring case, unless told otherwise: a bearer token
 * differing from an earlier one only in case (a different, unsigned token, since base64url is
 * case-sensitive) would be read as that earlier, valid token. Every Tokenwatch server applies this.
 */
public final class ExactHeaders {

  private ExactHeaders() {}

  /** Makes the header cache of {@code config}'s connections case-sensitive. */
  public static void apply(JavalinConfig config) {
    requireNonNull(config, "config");
    config.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheCaseSensitive(true));
  }
}
