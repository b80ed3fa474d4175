package io.tokenwatch.validator.route;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One rule: {@code <methods> <path pattern> -> <scopes> [case-sensitive]}, e.g. {@code GET|HEAD
 * /orders/** -> orders:read}.
 *
 * @param methods the methods it applies to, upper case; empty for any ({@code *}). {@code GET} also
 *     covers {@code HEAD}, which servers answer with their {@code GET} handler
 * @param pattern the path pattern's segments: a literal, {@code *} or {@code {name}} (one segment),
 *     or a final {@code **} (any number of segments, none included); {@code []} is {@code /}
 * @param scopes the scopes a matching request needs; empty for any valid token
 * @param caseSensitive whether literals match only in their own case (by default {@code /Orders}
 *     matches {@code /orders}, since some servers route without regard to case)
 */
record Route(Set<String> methods, List<String> pattern, Set<String> scopes, boolean caseSensitive) {

  static final String CASE_SENSITIVE = "[case-sensitive]";

  private static final Pattern METHOD = Pattern.compile("[A-Z][A-Z0-9_-]*");
  private static final Pattern NAME = Pattern.compile("\\{[A-Za-z0-9_]+\\}");
  private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x2B\\x2D-\\x5B\\x5D-\\x7E]+");
  private static final String LITERAL_FORBIDDEN = "%;\\*{}?#,";

  Route {
    // Insertion order kept, so toString reads as the rule was written.
    methods = Collections.unmodifiableSet(new LinkedHashSet<>(methods));
    pattern = List.copyOf(pattern);
    scopes = Collections.unmodifiableSet(new LinkedHashSet<>(scopes));
  }

  /** Whether it applies to a request of {@code method}. */
  boolean appliesTo(String method) {
    return methods.isEmpty()
        || methods.contains(method)
        || (method.equals("HEAD") && methods.contains("GET"));
  }

  /** Whether its pattern matches a path given as segments. */
  boolean matches(List<String> segments) {
    for (int i = 0; i < pattern.size(); i++) {
      String part = pattern.get(i);
      if (part.equals("**")) {
        return true;
      }
      if (i >= segments.size()) {
        return false;
      }
      if (isWildcard(part)) {
        continue;
      }
      String segment = segments.get(i);
      if (caseSensitive ? !part.equals(segment) : !part.equalsIgnoreCase(segment)) {
        return false;
      }
    }
    return pattern.size() == segments.size();
  }

  private static boolean isWildcard(String part) {
    return part.equals("*") || part.startsWith("{");
  }

  /**
   * Parses one rule.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  static Route parse(String text) {
    String[] tokens = text.trim().split("\\s+");
    if (tokens.length < 3 || !tokens[2].equals("->")) {
      throw new IllegalArgumentException(
          "not '<methods> <path> -> <scopes>': '" + text.trim() + "'");
    }
    Set<String> methods = new LinkedHashSet<>();
    if (!tokens[0].equals("*")) {
      for (String method : tokens[0].split("\\|", -1)) {
        if (!METHOD.matcher(method).matches()) {
          throw new IllegalArgumentException(
              "'"
                  + tokens[0]
                  + "' is not '*' or upper-case methods separated by '|' in '"
                  + text.trim()
                  + "'");
        }
        methods.add(method);
      }
    }
    List<String> pattern = pattern(tokens[1], text.trim());
    Set<String> scopes = new LinkedHashSet<>();
    boolean caseSensitive = false;
    for (int i = 3; i < tokens.length; i++) {
      if (tokens[i].equals(CASE_SENSITIVE) && i == tokens.length - 1) {
        caseSensitive = true;
      } else if (SCOPE.matcher(tokens[i]).matches() && !tokens[i].startsWith("[")) {
        scopes.add(tokens[i]);
      } else {
        throw new IllegalArgumentException(
            "'"
                + tokens[i]
                + "' is not a scope (or a final "
                + CASE_SENSITIVE
                + ") in '"
                + text.trim()
                + "'");
      }
    }
    return new Route(methods, pattern, scopes, caseSensitive);
  }

  private static List<String> pattern(String path, String rule) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("the path must start with '/' in '" + rule + "'");
    }
    String body = path.substring(1);
    if (body.endsWith("/")) {
      body = body.substring(0, body.length() - 1);
    }
    if (body.isEmpty()) {
      return List.of();
    }
    List<String> segments = new ArrayList<>();
    String[] parts = body.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.equals("**")) {
        if (i != parts.length - 1) {
          throw new IllegalArgumentException("'**' may only end the path in '" + rule + "'");
        }
      } else if (!part.equals("*") && !NAME.matcher(part).matches()) {
        if (part.isEmpty() || part.equals(".") || part.equals("..")) {
          throw new IllegalArgumentException("empty or dot segment in the path of '" + rule + "'");
        }
        for (int c = 0; c < part.length(); c++) {
          char ch = part.charAt(c);
          if (ch <= ' ' || ch == 0x7f || LITERAL_FORBIDDEN.indexOf(ch) >= 0) {
            throw new IllegalArgumentException(
                "'"
                    + part
                    + "' is not a literal segment, '*', '{name}' or a final '**' in '"
                    + rule
                    + "'");
          }
        }
      }
      segments.add(part);
    }
    return segments;
  }

  @Override
  public String toString() {
    return (methods.isEmpty() ? "*" : String.join("|", methods))
        + " /"
        + String.join("/", pattern)
        + " ->"
        + (scopes.isEmpty() ? "" : " " + String.join(" ", scopes))
        + (caseSensitive ? " " + CASE_SENSITIVE : "");
  }
}
