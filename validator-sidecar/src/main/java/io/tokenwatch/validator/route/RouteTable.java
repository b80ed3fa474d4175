package io.tokenwatch.validator.route;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The scopes a request needs, by method and path, decided the way the upstream will route it.
 *
 * <p>Routes are written {@code <methods> <path> -> <scopes>}, separated by commas:
 *
 * <pre>{@code
 * GET /orders/export -> orders:export, GET /orders/** -> orders:read,
 * POST|PUT|PATCH|DELETE /orders/** -> orders:write, * /admin/** -> admin [case-sensitive]
 * }</pre>
 *
 * <ul>
 *   <li>methods: {@code *} for any, or upper-case names joined by {@code |}; {@code GET} covers
 *       {@code HEAD};
 *   <li>path: segments that are literals, {@code *} or {@code {name}} (exactly one segment), and a
 *       final {@code **} (any number of segments, none included: {@code /orders/**} matches {@code
 *       /orders}); a trailing slash does not count;
 *   <li>scopes: space-separated, every one required; none after {@code ->} means any valid token;
 *   <li>a final {@code [case-sensitive]}: literals match only in their own case. By default they
 *       match in any case, so {@code /Orders/export} needs what {@code /orders/export} needs.
 * </ul>
 *
 * <p><b>Every route that matches applies</b>: a request needs the scopes of all of them, not of the
 * most specific one, because upstreams disagree on precedence (Javalin and Express take the first
 * route registered, Spring the most specific, NGINX the longest prefix). With the routes above,
 * {@code GET /orders/export} needs {@code orders:export} and {@code orders:read}.
 *
 * <p>The target is read every way common upstreams read it (see {@link #decide}); the routes of
 * every reading apply, and a reading that no route matches is refused unless {@link
 * #withUnmatchedScopes unmatched scopes} are set: <b>deny by default</b>. Methods outside the
 * standard ones and those the routes name are refused.
 *
 * <p>Immutable and thread-safe.
 */
public final class RouteTable {

  /** The methods of RFC 9110 and RFC 5789; others are known only when a route names them. */
  private static final Set<String> STANDARD_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

  private static final int MAX_SHOWN = 200;

  /** What a request needs, or why it is refused before its token is looked at. */
  public sealed interface Outcome permits Required, Refused {}

  /**
   * Allowed once the token carries every one of {@code scopes} (none: any valid token).
   *
   * @param scopes the scopes required
   * @param rules the ids of the routes that set them, in table order ({@link #UNMATCHED} for the
   *     unmatched-route default); a route's id is the route as written, normalised (see {@link
   *     #routes()}), so it stays the same for as long as the route does
   */
  public record Required(Set<String> scopes, List<String> rules) implements Outcome {
    public Required {
      scopes = Set.copyOf(scopes);
      rules = List.copyOf(rules);
    }

    /** Scopes no named route set. */
    public Required(Set<String> scopes) {
      this(scopes, List.of());
    }
  }

  /** The rule id of the scopes a request matching no route needs. */
  public static final String UNMATCHED = "(unmatched routes)";

  /** Refused whatever the token. */
  public record Refused(Refusal refusal, String detail) implements Outcome {
    public Refused {
      requireNonNull(refusal, "refusal");
      requireNonNull(detail, "detail");
    }
  }

  /** Why a request is refused before its token is looked at. */
  public enum Refusal {
    /** The request target cannot be read without guessing how the upstream reads it (400). */
    AMBIGUOUS_TARGET,
    /** The method is not one this table knows (400). */
    UNKNOWN_METHOD,
    /** No route matches and no default applies: deny by default (403). */
    NO_ROUTE
  }

  private final List<Route> routes;
  private final @Nullable Set<String> unmatchedScopes;
  private final Set<String> knownMethods;
  private final String version;

  private RouteTable(List<Route> routes, @Nullable Set<String> unmatchedScopes) {
    this.routes = List.copyOf(routes);
    this.unmatchedScopes = unmatchedScopes == null ? null : Set.copyOf(unmatchedScopes);
    Set<String> known = new TreeSet<>(STANDARD_METHODS);
    for (Route route : routes) {
      known.addAll(route.methods());
    }
    this.knownMethods = Set.copyOf(known);
    this.version = digest(toString());
  }

  private static String digest(String text) {
    try {
      byte[] hash =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "routes-" + java.util.HexFormat.of().formatHex(hash, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * Parses comma-separated routes; a request matching none is refused.
   *
   * @throws IllegalArgumentException naming every malformed route
   */
  public static RouteTable parse(String text) {
    requireNonNull(text, "text");
    List<Route> routes = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String entry : text.split(",", -1)) {
      if (entry.isBlank()) {
        continue;
      }
      try {
        routes.add(Route.parse(entry));
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new RouteTable(routes, null);
  }

  /**
   * This table, with a request matching no route needing {@code scopes} instead of being refused;
   * an empty set lets it through with any valid token.
   */
  public RouteTable withUnmatchedScopes(Set<String> scopes) {
    requireNonNull(scopes, "scopes");
    return new RouteTable(routes, scopes);
  }

  /** The routes, one per element, as they would be written. */
  public List<String> routes() {
    return routes.stream().map(Route::toString).toList();
  }

  /**
   * What a request needs.
   *
   * <p>The target's path is read as sent, as sent with its literal dot segments resolved,
   * percent-decoded, decoded and then resolved, and that in Unicode NFKC. The scopes of every route
   * matching any reading for any of {@code methods} apply. A target that cannot be read without
   * guessing (an encoded {@code /}, a backslash, matrix parameters, double encoding, bytes that are
   * not UTF-8, a target not starting with {@code /}, ...) is refused.
   *
   * @param methods the method the upstream will see, and any it may be told to act as instead
   *     (method override headers); at least one
   * @param target the origin-form request target as the client sent it, query included
   */
  public Outcome decide(Collection<String> methods, String target) {
    requireNonNull(methods, "methods");
    requireNonNull(target, "target");
    if (methods.isEmpty()) {
      throw new IllegalArgumentException("methods must not be empty");
    }
    for (String method : methods) {
      if (!knownMethods.contains(method)) {
        return new Refused(
            Refusal.UNKNOWN_METHOD,
            "the method "
                + shown(method)
                + " is not one of "
                + String.join(", ", new TreeSet<>(knownMethods)));
      }
    }
    RequestTarget.Parsed parsed = RequestTarget.read(target);
    if (parsed instanceof RequestTarget.Malformed malformed) {
      return new Refused(Refusal.AMBIGUOUS_TARGET, malformed.detail());
    }
    RequestTarget.Readings readings = (RequestTarget.Readings) parsed;
    Set<String> required = new LinkedHashSet<>();
    Set<Route> decided = new LinkedHashSet<>();
    boolean defaulted = false;
    for (String method : methods) {
      for (List<String> reading : readings.readings()) {
        boolean matched = false;
        for (Route route : routes) {
          if (route.appliesTo(method) && route.matches(reading)) {
            matched = true;
            decided.add(route);
            required.addAll(route.scopes());
          }
        }
        if (!matched) {
          if (unmatchedScopes == null) {
            String read = "/" + String.join("/", reading);
            return new Refused(
                Refusal.NO_ROUTE,
                method
                    + " "
                    + shown(readings.display())
                    + (read.equals(readings.display()) ? "" : " (read as " + shown(read) + ")")
                    + " matches no route, and requests to unknown routes are refused");
          }
          required.addAll(unmatchedScopes);
          defaulted = true;
        }
      }
    }
    List<String> rules = new ArrayList<>();
    for (Route route : routes) {
      if (decided.contains(route)) {
        rules.add(route.toString());
      }
    }
    if (defaulted) {
      rules.add(UNMATCHED);
    }
    return new Required(required, rules);
  }

  /**
   * The table's version: {@code routes-} and the first 16 hex digits of the SHA-256 of the table as
   * written ({@link #toString()}), so usage reports name the exact rules that decided and a changed
   * table gets a new version.
   */
  public String version() {
    return version;
  }

  private static String shown(String text) {
    return text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN) + "..." : text;
  }

  @Override
  public String toString() {
    return String.join(", ", routes())
        + (unmatchedScopes == null ? "" : " (unmatched: " + unmatchedScopes + ")");
  }
}
