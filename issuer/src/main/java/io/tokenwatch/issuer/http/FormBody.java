package io.tokenwatch.issuer.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses an {@code application/x-www-form-urlencoded} body strictly: a parameter given twice is an
 * error (RFC 6749 section 3.2: "parameters MUST NOT be included more than once"), as is bad
 * percent-encoding. Stateless.
 */
final class FormBody {

  private FormBody() {}

  /** Thrown for a body that is not a well-formed form. */
  static final class MalformedFormException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedFormException(String message) {
      super(message);
    }
  }

  static Map<String, String> parse(String body) throws MalformedFormException {
    Map<String, String> params = new LinkedHashMap<>();
    if (body.isEmpty()) {
      return params;
    }
    for (String pair : body.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (params.putIfAbsent(name, value) != null) {
        throw new MalformedFormException("parameter " + name + " is given more than once");
      }
    }
    return params;
  }

  static String decode(String text) throws MalformedFormException {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new MalformedFormException("malformed percent-encoding in the form body");
    }
  }
}
