package io.tokenwatch.validator.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.ExactHeaders;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.VerifiedToken;
import io.tokenwatch.validator.route.RouteTable;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A forward-auth endpoint for reverse proxies (NGINX {@code auth_request}, Traefik ForwardAuth,
 * Envoy {@code ext_authz} in HTTP mode): {@code /auth} (any method) decides on the original request
 * and answers
 *
 * <ul>
 *   <li>200 with {@code X-Auth-Subject}, {@code X-Auth-Client-Id}, {@code X-Auth-Scope} and {@code
 *       X-Auth-Token-Id} when allowed;
 *   <li>401 with {@code WWW-Authenticate: Bearer error="invalid_token"} (or {@code DPoP ...}) for a
 *       missing, invalid, revoked or unbound token (RFC 6750 section 3);
 *   <li>403 with {@code error="insufficient_scope"} when a required scope is missing;
 *   <li>400 ({@code application/problem+json}) when the original request cannot be judged without
 *       guessing how the upstream reads it: an ambiguous target, an unknown method, malformed
 *       forwarding headers;
 *   <li>403 ({@code application/problem+json}) when no route matches the original request and no
 *       default applies (deny by default);
 *   <li>503 when the revocation feed is stale or not ready (fail closed; the client's token may be
 *       fine, so it is not told to drop it).
 * </ul>
 *
 * <p>The original request is what a <b>trusted proxy</b> ({@link Settings#trustedProxies()},
 * loopback by default) says it is: the method from {@code X-Forwarded-Method} or {@code
 * X-Original-Method}, the target from {@code X-Forwarded-Uri} or {@code X-Original-URI}, the host
 * and scheme from {@code X-Forwarded-Host} and {@code X-Forwarded-Proto}, the client from {@code
 * X-Forwarded-For} or {@code X-Real-IP}, the client certificate thumbprint from the configured
 * header. From anyone else those headers are ignored and the request is judged on what the sidecar
 * itself sees: its own method, target, {@code Host}, scheme and peer address. The DPoP {@code
 * htm}/{@code htu} check uses the same view. Which scopes the request needs comes from the {@link
 * RouteTable} for its method (and any method override header: {@code X-HTTP-Method-Override},
 * {@code X-HTTP-Method}, {@code X-Method-Override}) and target, plus a configured header's.
 *
 * <p>Also {@code /health} (process up), {@code /ready} (revocation feed ready and fresh) and {@code
 * /metrics} (Prometheus).
 */
public final class ValidatorSidecar implements AutoCloseable {

  /**
   * Sidecar settings.
   *
   * @param host interface to bind
   * @param port port; 0 picks a free one
   * @param routes which scopes each method and path requires; unmatched requests are refused unless
   *     the table says otherwise
   * @param trustedProxies whose forwarding headers are believed
   * @param clientCertificateHeader header in which a trusted proxy passes the client certificate's
   *     {@code x5t#S256} thumbprint, or {@code null} when it passes none
   * @param scopeHeader header naming further required scopes (space-separated), or {@code null}
   */
  public record Settings(
      String host,
      int port,
      RouteTable routes,
      TrustedProxies trustedProxies,
      @Nullable String clientCertificateHeader,
      @Nullable String scopeHeader) {
    public Settings {
      requireNonNull(host, "host");
      requireNonNull(routes, "routes");
      requireNonNull(trustedProxies, "trustedProxies");
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be within 0..65535: " + port);
      }
    }
  }

  private static final List<String> METHOD_OVERRIDE_HEADERS =
      List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");
  private static final Pattern HOST =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._~!$&'()*+,;=-]+)(:[0-9]{1,5})?");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TokenValidator validator;
  private final Settings settings;
  private final BooleanSupplier ready;
  private final PrometheusMeterRegistry metrics;
  private final Javalin server;

  /**
   * Starts serving.
   *
   * @param validator decides
   * @param settings where to listen and which scopes requests require
   * @param ready whether the revocation feed is ready and fresh (for {@code /ready})
   * @param metrics scraped by {@code /metrics}
   */
  public ValidatorSidecar(
      TokenValidator validator,
      Settings settings,
      BooleanSupplier ready,
      PrometheusMeterRegistry metrics) {
    this.validator = requireNonNull(validator, "validator");
    this.settings = requireNonNull(settings, "settings");
    this.ready = requireNonNull(ready, "ready");
    this.metrics = requireNonNull(metrics, "metrics");
    this.server =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              ExactHeaders.apply(config);
              config.jetty.host = settings.host();
              config.jetty.port = settings.port();
              config.jetty.modifyHttpConfiguration(
                  http -> http.setRequestHeaderSize(requestHeaderLimit(validator.maxTokenBytes())));
              JsonErrors.install(config, ErrorFormat.PROBLEM);
              routes(config);
            });
    server.start();
  }

  /** The port served on. */
  public int port() {
    return server.port();
  }

  /**
   * Jetty's limit on the request line and headers together: a token and a DPoP proof each at the
   * validator's own limit, and 16 KiB for the request line and every other header (the forwarded
   * ones, cookies). A token beyond the validator's limit then reaches it and gets its documented
   * 401 {@code invalid_token} ({@code TOO_LARGE}) instead of Jetty's 431; only a header block
   * beyond this limit gets a 431, as JSON.
   */
  static int requestHeaderLimit(int maxTokenBytes) {
    return (int) Math.min(Integer.MAX_VALUE, 2L * maxTokenBytes + 16 * 1024);
  }

  private void routes(JavalinConfig config) {
    var routes = config.routes;
    for (HandlerType type :
        List.of(
            HandlerType.GET,
            HandlerType.POST,
            HandlerType.PUT,
            HandlerType.PATCH,
            HandlerType.DELETE,
            HandlerType.HEAD,
            HandlerType.OPTIONS)) {
      routes.addHttpHandler(type, "/auth", this::auth);
    }
    routes.get("/health", ctx -> ctx.result("ok"));
    routes.get(
        "/ready",
        ctx -> {
          boolean isReady = ready.getAsBoolean();
          ctx.status(isReady ? 200 : 503).result(isReady ? "ready" : "revocation feed not ready");
        });
    routes.get(
        "/metrics",
        ctx ->
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
  }

  /** The original request as the sidecar believes it: from a trusted proxy, or its own. */
  private record View(
      String method,
      String target,
      String uri,
      String client,
      @Nullable String certificateThumbprint) {}

  private void auth(Context ctx) {
    String authorization = ctx.header("Authorization");
    TokenRequest.Scheme scheme = null;
    String token = null;
    if (authorization != null) {
      int space = authorization.indexOf(' ');
      String name = space < 0 ? authorization : authorization.substring(0, space);
      if (name.equalsIgnoreCase("Bearer")) {
        scheme = TokenRequest.Scheme.BEARER;
      } else if (name.equalsIgnoreCase("DPoP")) {
        scheme = TokenRequest.Scheme.DPOP;
      }
      token = space < 0 ? null : authorization.substring(space + 1).trim();
    }
    if (scheme == null || token == null || token.isEmpty()) {
      // RFC 6750 section 3.1: no error code when the request carries no credentials.
      ctx.header("WWW-Authenticate", "Bearer realm=\"tokenwatch\"").status(401);
      return;
    }
    View view;
    try {
      view = view(ctx);
    } catch (IllegalArgumentException e) {
      problem(ctx, 400, "Malformed forwarding header", e.getMessage());
      return;
    }
    Set<String> methods = new LinkedHashSet<>();
    methods.add(view.method());
    // An upstream that honours a method override acts as that method: its routes apply too.
    for (String header : METHOD_OVERRIDE_HEADERS) {
      Enumeration<String> values = ctx.req().getHeaders(header);
      while (values != null && values.hasMoreElements()) {
        String value = values.nextElement().trim();
        if (!value.isEmpty()) {
          methods.add(value);
        }
      }
    }
    RouteTable.Outcome outcome = settings.routes().decide(methods, view.target());
    if (outcome instanceof RouteTable.Refused refused) {
      switch (refused.refusal()) {
        case AMBIGUOUS_TARGET -> problem(ctx, 400, "Ambiguous request target", refused.detail());
        case UNKNOWN_METHOD -> problem(ctx, 400, "Unknown method", refused.detail());
        case NO_ROUTE -> problem(ctx, 403, "No route", refused.detail());
      }
      return;
    }
    RouteTable.Required routed = (RouteTable.Required) outcome;
    Set<String> required = new HashSet<>(routed.scopes());
    List<String> rules = new java.util.ArrayList<>(routed.rules());
    if (settings.scopeHeader() != null) {
      String extra = ctx.header(settings.scopeHeader());
      if (extra != null && !extra.isBlank()) {
        required.addAll(List.of(extra.trim().split(" +")));
        rules.add("header " + settings.scopeHeader());
      }
    }

    TokenRequest request =
        new TokenRequest(
            token,
            scheme,
            view.method(),
            view.uri(),
            required,
            ctx.header("DPoP"),
            view.certificateThumbprint(),
            view.client(),
            null,
            // Every matching route applies, so the rule that decided is all of them.
            String.join(", ", rules),
            settings.routes().version());
    Decision decision = validator.validate(request);
    if (decision instanceof Decision.Allow allow) {
      VerifiedToken t = allow.token();
      ctx.header("X-Auth-Subject", t.subject())
          .header("X-Auth-Client-Id", t.clientId())
          .header("X-Auth-Scope", t.scopeString())
          .header("X-Auth-Token-Id", t.tokenId())
          .status(200);
      return;
    }
    Decision.Deny deny = (Decision.Deny) decision;
    String challenge = scheme == TokenRequest.Scheme.DPOP ? "DPoP" : "Bearer";
    String description = deny.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    if (deny.reason() == DenyReason.FEED_STALE) {
      ctx.header("Retry-After", "5").status(503).result("revocation feed stale");
    } else if (deny.reason() == DenyReason.INSUFFICIENT_SCOPE) {
      ctx.header(
              "WWW-Authenticate",
              challenge
                  + " error=\"insufficient_scope\", error_description=\""
                  + description
                  + "\", scope=\""
                  + String.join(" ", request.requiredScopes().stream().sorted().toList())
                  + "\"")
          .status(403);
    } else {
      ctx.header(
              "WWW-Authenticate",
              challenge + " error=\"invalid_token\", error_description=\"" + description + "\"")
          .status(401);
    }
  }

  /**
   * The original request: what a trusted proxy forwards, else what the sidecar sees itself.
   *
   * @throws IllegalArgumentException when a trusted proxy's host or scheme header is malformed
   */
  private View view(Context ctx) {
    String peer = ctx.req().getRemoteAddr();
    String ownHost = ctx.header("Host");
    String ownScheme = ctx.req().getScheme();
    if (!settings.trustedProxies().trusts(peer)) {
      return new View(
          ctx.req().getMethod(),
          ctx.req().getRequestURI(),
          uri(ownScheme, ownHost, ctx.req().getRequestURI()),
          peer,
          null);
    }
    String method = firstHeader(ctx, "X-Forwarded-Method", "X-Original-Method");
    String target = firstHeader(ctx, "X-Forwarded-Uri", "X-Original-URI");
    String host = firstHeader(ctx, "X-Forwarded-Host");
    String scheme = firstHeader(ctx, "X-Forwarded-Proto");
    if (host != null && !HOST.matcher(host.trim()).matches()) {
      throw new IllegalArgumentException("X-Forwarded-Host is not a host with an optional port");
    }
    if (scheme != null
        && !scheme.trim().equalsIgnoreCase("https")
        && !scheme.trim().equalsIgnoreCase("http")) {
      throw new IllegalArgumentException("X-Forwarded-Proto is neither http nor https");
    }
    String forwardedFor = firstHeader(ctx, "X-Forwarded-For");
    String client =
        forwardedFor != null
            ? settings.trustedProxies().client(forwardedFor, peer)
            : Objects.requireNonNullElse(firstHeader(ctx, "X-Real-IP"), peer).trim();
    String effectiveTarget = target != null ? target : ctx.req().getRequestURI();
    return new View(
        method != null ? method.trim() : ctx.req().getMethod(),
        effectiveTarget,
        uri(
            scheme != null ? scheme.trim().toLowerCase(Locale.ROOT) : ownScheme,
            host != null ? host.trim() : ownHost,
            effectiveTarget),
        client,
        settings.clientCertificateHeader() == null
            ? null
            : ctx.header(settings.clientCertificateHeader()));
  }

  private static String uri(String scheme, @Nullable String host, String target) {
    return scheme + "://" + (host == null || host.isBlank() ? "localhost" : host) + target;
  }

  private static void problem(Context ctx, int status, String title, @Nullable String detail) {
    ObjectNode body = JSON.createObjectNode();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status);
    if (detail != null) {
      body.put("detail", detail);
    }
    ctx.status(status).contentType("application/problem+json").result(body.toString());
  }

  private static @Nullable String firstHeader(Context ctx, String... names) {
    for (String name : names) {
      String value = ctx.header(name);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }

  /** Stops serving. */
  @Override
  public void close() {
    server.stop();
  }
}
