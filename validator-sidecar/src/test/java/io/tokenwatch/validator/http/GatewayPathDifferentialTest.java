package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TestTokens;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.route.RouteTable;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;

/**
 * Differential test of the sidecar's path decisions against real upstreams serving the same orders
 * API: a Javalin app on Jetty with Javalin's defaults (it routes on the path as sent), the same app
 * with case-insensitive routes and merged slashes, and plain servlets on Jetty (servlet mappings
 * match the decoded path with dot segments resolved). The sidecar is configured with the routes
 * that describe that API. Hostile request targets, generated, go byte for byte to each: to the
 * upstream over a raw socket, recording which handler ran, and to the sidecar as the {@code
 * X-Forwarded-Uri} of a trusted proxy. Whenever an upstream ran a protected handler, the sidecar
 * must have required that handler's scopes (a token lacking any one of them is not allowed) or
 * refused the request.
 */
class GatewayPathDifferentialTest {

  private static final String EXPORT = "orders:export";
  private static final String READ = "orders:read";
  private static final String WRITE = "orders:write";
  private static final String ADMIN = "admin";
  private static final List<String> UNIVERSE = List.of(EXPORT, READ, WRITE, ADMIN);

  /** The sidecar's routes, as an operator would write them for the upstream below. */
  private static final String ROUTES =
      "GET /orders/export -> orders:export, GET /orders/** -> orders:read,"
          + " POST|PUT|PATCH|DELETE /orders/** -> orders:write, GET /admin/** -> admin,"
          + " GET /public/** ->";

  /** What each upstream handler requires. */
  private static final Map<String, Set<String>> HANDLER_SCOPES =
      Map.of(
          "export", Set.of(EXPORT),
          "order", Set.of(READ),
          "list", Set.of(READ),
          "create", Set.of(WRITE),
          "delete", Set.of(WRITE),
          "users", Set.of(ADMIN),
          "health", Set.of());

  private static final TestTokens TOKENS = new TestTokens();
  private static final Map<String, String> TOKEN_WITHOUT = new LinkedHashMap<>();
  private static final AtomicLong PROBES = new AtomicLong();
  private static final Map<String, String> SERVED = new ConcurrentHashMap<>();
  private static final List<Javalin> JAVALINS = new ArrayList<>();
  private static final List<Integer> UPSTREAM_PORTS = new ArrayList<>();
  private static Server servlets;
  private static ValidatorSidecar sidecar;

  @BeforeContainer
  static void start() throws Exception {
    for (String missing : UNIVERSE) {
      List<String> scopes = new ArrayList<>(UNIVERSE);
      scopes.remove(missing);
      TOKEN_WITHOUT.put(
          missing,
          TOKENS.sign(
              TestTokens.claims(Instant.now()).claim("scope", String.join(" ", scopes)).build()));
    }
    JAVALINS.add(upstream(false));
    JAVALINS.add(upstream(true));
    JAVALINS.forEach(app -> UPSTREAM_PORTS.add(app.port()));
    servlets = servletUpstream();
    UPSTREAM_PORTS.add(((ServerConnector) servlets.getConnectors()[0]).getLocalPort());
    RevocationIndex index = new RevocationIndex();
    index.markCaughtUp(Long.MAX_VALUE / 2);
    sidecar =
        new ValidatorSidecar(
            TokenValidator.builder()
                .issuer(TestTokens.ISSUER)
                .audience(TestTokens.AUDIENCE)
                .jwks(JwksSource.fixed(TOKENS.publicKeys()))
                .revocations(index)
                .build(),
            new ValidatorSidecar.Settings(
                "127.0.0.1",
                0,
                RouteTable.parse(ROUTES),
                TrustedProxies.parse(List.of("127.0.0.1")),
                null,
                null),
            () -> true,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** The orders API: export registered before {id}, since Javalin takes the first match. */
  private static Javalin upstream(boolean lenient) {
    return Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.jetty.host = "127.0.0.1";
              config.jetty.port = 0;
              config.router.caseInsensitiveRoutes = lenient;
              config.router.treatMultipleSlashesAsSingleSlash = lenient;
              config.routes.get("/orders/export", ctx -> served(ctx, "export"));
              config.routes.get("/orders/{id}", ctx -> served(ctx, "order"));
              config.routes.get("/orders", ctx -> served(ctx, "list"));
              config.routes.post("/orders", ctx -> served(ctx, "create"));
              config.routes.delete("/orders/{id}", ctx -> served(ctx, "delete"));
              config.routes.get("/admin/users", ctx -> served(ctx, "users"));
              config.routes.get("/public/health", ctx -> served(ctx, "health"));
            })
        .start();
  }

  private static void served(Context ctx, String handler) {
    served(ctx.header("X-Probe"), handler);
  }

  private static void served(@Nullable String probe, String handler) {
    if (probe != null) {
      SERVED.put(probe, handler);
    }
  }

  /** The orders API as servlets: exact mappings beat prefix mappings, as the spec says. */
  private static Server servletUpstream() throws Exception {
    Server server = new Server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new Handlers("export", null, null)), "/orders/export");
    context.addServlet(new ServletHolder(new Handlers("order", "create", "delete")), "/orders/*");
    context.addServlet(new ServletHolder(new Handlers("users", null, null)), "/admin/users");
    context.addServlet(new ServletHolder(new Handlers("health", null, null)), "/public/health");
    server.setHandler(context);
    server.start();
    return server;
  }

  /** A servlet answering GET (and so HEAD), POST and DELETE with the named handlers. */
  private static final class Handlers extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final String get;
    private final @Nullable String post;
    private final @Nullable String delete;

    Handlers(String get, @Nullable String post, @Nullable String delete) {
      this.get = get;
      this.post = post;
      this.delete = delete;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      String pathInfo = req.getPathInfo();
      boolean list = get.equals("order") && (pathInfo == null || pathInfo.equals("/"));
      served(req.getHeader("X-Probe"), list ? "list" : get);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String pathInfo = req.getPathInfo();
      if (post == null || (pathInfo != null && !pathInfo.equals("/"))) {
        resp.sendError(405);
        return;
      }
      served(req.getHeader("X-Probe"), post);
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String pathInfo = req.getPathInfo();
      if (delete == null || pathInfo == null || pathInfo.equals("/")) {
        resp.sendError(405);
        return;
      }
      served(req.getHeader("X-Probe"), delete);
    }
  }

  @AfterContainer
  static void stop() {
    sidecar.close();
    JAVALINS.forEach(Javalin::stop);
    try {
      servlets.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Property(tries = 500)
  void shouldRequireTheScopesOfEveryHandlerTheUpstreamRunsOrRefuse(
      @ForAll("methods") String method, @ForAll("targets") String target) throws IOException {
    check(method, target);
  }

  /** The issue's repros, and their neighbours, through the same oracle. */
  @Example
  void shouldHoldForTheReportedTargets() throws IOException {
    for (String target :
        List.of(
            "/orders/%65xport",
            "/orders/x/%2e%2e/export",
            "/orders/export;a=b",
            "/orders%2Fexport",
            "/Orders/export",
            "/%6frders/export",
            "/orders/EXPORT",
            "/orders//export",
            "/orders/export/",
            "/orders/export.",
            "/admin/../orders/export",
            "/public/../admin/users",
            "/public/%2e%2e/admin/users",
            "/ADMIN/users",
            "/orders/%EF%BD%85xport")) {
      check("GET", target);
      check("HEAD", target);
    }
    check("POST", "/ORDERS");
    check("POST", "/orders/");
    check("DELETE", "/Orders/7");
  }

  private static void check(String method, String target) throws IOException {
    List<String> handlers = new ArrayList<>();
    for (int port : UPSTREAM_PORTS) {
      String handler = serve(port, method, target);
      if (handler == null) {
        continue;
      }
      handlers.add(handler);
      for (String scope : HANDLER_SCOPES.get(handler)) {
        int status = ask(method, target, TOKEN_WITHOUT.get(scope));
        assertThat(status)
            .as(
                "%s %s runs the upstream's %s handler, which needs %s, but the sidecar allowed a"
                    + " token without it",
                method, target, handler, scope)
            .isNotEqualTo(200);
      }
    }
    Statistics.label("upstream ran").collect(handlers.isEmpty() ? "nothing" : handlers.get(0));
  }

  /** Which handler the upstream ran for the raw request, if any. */
  private static @Nullable String serve(int port, String method, String target) throws IOException {
    String probe = Long.toString(PROBES.incrementAndGet());
    exchange(
        port,
        method
            + " "
            + target
            + " HTTP/1.1\r\nHost: api.example\r\nX-Probe: "
            + probe
            + "\r\nConnection: close\r\n\r\n");
    return SERVED.remove(probe);
  }

  /** The sidecar's status for the same target, forwarded by a trusted proxy. */
  private static int ask(String method, String target, String token) throws IOException {
    String response =
        exchange(
            sidecar.port(),
            "GET /auth HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + token
                + "\r\nX-Forwarded-Method: "
                + method
                + "\r\nX-Forwarded-Uri: "
                + target
                + "\r\nX-Forwarded-Host: api.example\r\nX-Forwarded-Proto: https"
                + "\r\nConnection: close\r\n\r\n");
    return Integer.parseInt(response.substring(9, 12));
  }

  private static String exchange(int port, String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.frequency(
        Tuple.of(4, "GET"), Tuple.of(1, "HEAD"), Tuple.of(2, "POST"), Tuple.of(2, "DELETE"));
  }

  /** A path a handler serves, bent by up to three of the ways targets are spelt to confuse. */
  @Provide
  Arbitrary<String> targets() {
    // Weighted towards the path whose handler needs a scope its neighbours do not.
    Arbitrary<String> base =
        Arbitraries.frequency(
            Tuple.of(5, "/orders/export"),
            Tuple.of(2, "/orders/42"),
            Tuple.of(2, "/orders"),
            Tuple.of(2, "/admin/users"),
            Tuple.of(1, "/public/health"));
    Arbitrary<Mutation> mutation =
        Combinators.combine(
                Arbitraries.frequency(
                    Tuple.of(4, Kind.PERCENT_ENCODE),
                    Tuple.of(4, Kind.CASE),
                    Tuple.of(3, Kind.DOT_SEGMENT),
                    Tuple.of(2, Kind.SLASH),
                    Tuple.of(2, Kind.TRAILING),
                    Tuple.of(1, Kind.MATRIX),
                    Tuple.of(1, Kind.DOUBLE_ENCODE),
                    Tuple.of(1, Kind.UNICODE),
                    Tuple.of(1, Kind.QUERY_OR_FRAGMENT),
                    Tuple.of(1, Kind.CONTROL)),
                Arbitraries.integers().between(0, 1_000),
                Arbitraries.integers().between(0, 1_000))
            .as(Mutation::new);
    return Combinators.combine(base, mutation.list().ofMinSize(1).ofMaxSize(3))
        .as(
            (path, mutations) -> {
              String target = path;
              for (Mutation m : mutations) {
                target = m.apply(target);
              }
              return target;
            });
  }

  /** The classes of confusing spellings. */
  enum Kind {
    PERCENT_ENCODE,
    DOT_SEGMENT,
    MATRIX,
    SLASH,
    CASE,
    DOUBLE_ENCODE,
    TRAILING,
    UNICODE,
    QUERY_OR_FRAGMENT,
    CONTROL
  }

  record Mutation(Kind kind, int where, int variant) {

    private static final String[] DOTS = {
      "/x/..", "/.", "/..", "/%2e", "/%2e%2e", "/%2E%2E", "/.%2e", "/%2e.", "/%2E.", "/x/%2e%2e"
    };
    private static final String[] MATRIX = {";a=b", ";", ";jsessionid=1", "%3b", "%3Bx=y"};
    private static final String[] SLASHES = {"%2F", "%2f", "\\", "%5C", "%5c", "//", "/./"};
    private static final String[] TRAILING = {
      ".", "/", "..", "/.", "%20", "~", "%2e", "/..", "%2E"
    };
    private static final String[] EXTRA = {"?x=/admin/users", "#frag", "?", "?a=%2F"};
    private static final String[] CONTROLS = {"%00", "%0a", "%0D", "%09", "%7f", "%C2%85"};
    private static final String[] UNICODE = {
      "%C3%A9", "\u00e9", "%C0%AE", "%C0%AF", "%E2%88%95", "%EF%BC%8F", "%FF", "%ED%A0%80"
    };

    String apply(String target) {
      int at = where % (target.length() + 1);
      return switch (kind) {
        case PERCENT_ENCODE -> replaceChar(target, at, c -> encode(c, variant % 2 == 0));
        case DOT_SEGMENT -> insertBeforeSlashOrEnd(target, at, DOTS[variant % DOTS.length]);
        case MATRIX -> insertBeforeSlashOrEnd(target, at, MATRIX[variant % MATRIX.length]);
        case SLASH -> replaceSlash(target, at, SLASHES[variant % SLASHES.length]);
        case CASE ->
            replaceChar(
                target,
                at,
                c ->
                    Character.isUpperCase(c)
                        ? String.valueOf(c).toLowerCase(Locale.ROOT)
                        : String.valueOf(c).toUpperCase(Locale.ROOT));
        case DOUBLE_ENCODE ->
            replaceChar(target, at, c -> "%25" + encode(c, variant % 2 == 0).substring(1));
        case TRAILING -> target + TRAILING[variant % TRAILING.length];
        case UNICODE ->
            variant % 3 == 0
                ? replaceChar(target, at, Mutation::fullwidth)
                : insertBeforeSlashOrEnd(target, at, UNICODE[variant % UNICODE.length]);
        case QUERY_OR_FRAGMENT -> target + EXTRA[variant % EXTRA.length];
        case CONTROL -> insertBeforeSlashOrEnd(target, at, CONTROLS[variant % CONTROLS.length]);
      };
    }

    private static String replaceChar(
        String target, int at, java.util.function.Function<Character, String> by) {
      if (at >= target.length()) {
        return target;
      }
      return target.substring(0, at) + by.apply(target.charAt(at)) + target.substring(at + 1);
    }

    private static String encode(char c, boolean upper) {
      StringBuilder out = new StringBuilder();
      for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
        String hex = String.format(Locale.ROOT, "%02x", b & 0xff);
        out.append('%').append(upper ? hex.toUpperCase(Locale.ROOT) : hex);
      }
      return out.toString();
    }

    private static String fullwidth(char c) {
      if (c >= '!' && c <= '~' && c != '/') {
        return encode((char) (c - '!' + '\uFF01'), true);
      }
      return String.valueOf(c);
    }

    private static String insertBeforeSlashOrEnd(String target, int at, String insert) {
      int slash = target.indexOf('/', Math.min(at, target.length()));
      return slash < 0
          ? target + insert
          : target.substring(0, slash) + insert + target.substring(slash);
    }

    private static String replaceSlash(String target, int at, String by) {
      int slash = target.indexOf('/', Math.max(1, Math.min(at, target.length())));
      return slash < 0 ? target : target.substring(0, slash) + by + target.substring(slash + 1);
    }
  }
}
