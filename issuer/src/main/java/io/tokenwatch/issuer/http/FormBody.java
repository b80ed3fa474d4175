package io.tokenwatch.issuer.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses an {@code application/x-www-form-urlencoded} body strictly: a parameter given twice is an
 * error (RFC 6749 section 3.2: "parameters MUST NOT be included more than once") unless the caller
 * names it repeatable (RFC 8707 {@code resource}), as is bad percent-encoding. Stateless.
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

  /**
   * A parsed form.
   *
   * @param params the parameters given once
   * @param repeated the values, in order, of the parameters allowed to repeat (not in {@code
   *     params})
   */
  record Form(Map<String, String> params, Map<String, List<String>> repeated) {
    Form {
      params = Collections.unmodifiableMap(params);
      repeated = Collections.unmodifiableMap(repeated);
    }

    /** The values of a repeatable parameter; empty when it was not given. */
    List<String> all(String name) {
      return repeated.getOrDefault(name, List.of());
    }
  }

  static Map<String, String> parse(String body) throws MalformedFormException {
    return parse(body, Set.of()).params();
  }

  /**
   * Parses a form in which the parameters named in {@code repeatable} may be given more than once
   * (RFC 8707 {@code resource}); any other parameter given twice is an error.
   */
  static Form parse(String body, Set<String> repeatable) throws MalformedFormException {
    Map<String, String> params = new LinkedHashMap<>();
    Map<String, List<String>> repeated = new LinkedHashMap<>();
    if (body.isEmpty()) {
      return new Form(params, repeated);
    }
    for (String pair : body.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (repeatable.contains(name)) {
        repeated.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
      } else if (params.putIfAbsent(name, value) != null) {
        throw new MalformedFormException("parameter " + name + " is given more than once");
      }
    }
    return new Form(params, repeated);
  }

  static String decode(String text) throws MalformedFormException {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new MalformedFormException("malformed percent-encoding in the form body");
    }
  }
}
