package io.tokenwatch.validator.http;

import static java.util.Objects.requireNonNull;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.VerifiedToken;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A forward-auth endpoint for reverse proxies (NGINX {@code auth_request}, Traefik ForwardAuth,
 * Envoy {@code ext_authz} in HTTP mode): {@code /auth} (any method) validates the token of the
 * original request and answers
 *
 * <ul>
 *   <li>200 with {@code X-Auth-Subject}, {@code X-Auth-Client-Id}, {@code X-Auth-Scope} and {@code
 *       X-Auth-Token-Id} when allowed;
 *   <li>401 with {@code WWW-Authenticate: Bearer error="invalid_token"} (or {@code DPoP ...}) for a
 *       missing, invalid, revoked or unbound token (RFC 6750 section 3);
 *   <li>403 with {@code error="insufficient_scope"} when a required scope is missing;
 *   <li>503 when the revocation feed is stale or not ready (fail closed; the client's token may be
 *       fine, so it is not told to drop it).
 * </ul>
 *
 * <p>It reads {@code Authorization} ({@code Bearer} or {@code DPoP}) and {@code DPoP}; the original
 * method from {@code X-Forwarded-Method} or {@code X-Original-Method}; the original URI from {@code
 * X-Forwarded-Uri} or {@code X-Original-URI}, with {@code X-Forwarded-Host} and {@code
 * X-Forwarded-Proto}; the client certificate thumbprint from a configured header. The proxy must
 * set or strip these headers: the sidecar trusts them.
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
   * @param scopesByPathPrefix required scopes per path prefix; the longest matching prefix wins
   * @param clientCertificateHeader header carrying the client certificate's {@code x5t#S256}
   *     thumbprint, or {@code null} when the proxy does not pass one
   * @param scopeHeader header naming further required scopes (space-separated), or {@code null}
   */
  public record Settings(
      String host,
      int port,
      Map<String, Set<String>> scopesByPathPrefix,
      @Nullable String clientCertificateHeader,
      @Nullable String scopeHeader) {
    public Settings {
      requireNonNull(host, "host");
      scopesByPathPrefix = Map.copyOf(requireNonNull(scopesByPathPrefix, "scopesByPathPrefix"));
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be within 0..65535: " + port);
      }
    }
  }

  private final TokenValidator validator;
  private final Settings settings;
  private final BooleanSupplier ready;
  private final PrometheusMeterRegistry metrics;
  private final TreeMap<String, Set<String>> scopes;
  private final Javalin server;

  /**
   * Starts serving.
   *
   * @param validator decides
   * @param settings where to listen and which scopes paths require
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
    this.scopes = new TreeMap<>(settings.scopesByPathPrefix());
    this.server =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
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
    String method = firstHeader(ctx, "X-Forwarded-Method", "X-Original-Method");
    if (method == null) {
      method = ctx.method().name();
    }
    String path = normalizedPath(firstHeader(ctx, "X-Forwarded-Uri", "X-Original-URI"));
    if (path == null) {
      ctx.status(400).result("X-Forwarded-Uri is not a valid origin-form request target");
      return;
    }
    String host = firstHeader(ctx, "X-Forwarded-Host", "Host");
    String proto = firstHeader(ctx, "X-Forwarded-Proto");
    String uri =
        (proto == null ? "https" : proto) + "://" + (host == null ? "localhost" : host) + path;

    TokenRequest request =
        new TokenRequest(
            token,
            scheme,
            method.toUpperCase(Locale.ROOT),
            uri,
            requiredScopes(ctx, path),
            ctx.header("DPoP"),
            settings.clientCertificateHeader() == null
                ? null
                : ctx.header(settings.clientCertificateHeader()),
            sourceAddress(ctx),
            null);
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
   * The request target with dot segments resolved ({@code /orders/../admin} is {@code /admin}), so
   * scopes are chosen for the path the upstream will serve; null when it is not an origin-form
   * target or climbs above the root.
   */
  static @Nullable String normalizedPath(@Nullable String target) {
    if (target == null || target.isEmpty()) {
      return "/";
    }
    if (!target.startsWith("/") || target.startsWith("//")) {
      return null;
    }
    try {
      URI uri = new URI(target).normalize();
      String path = uri.getRawPath();
      if (path == null || !path.startsWith("/") || path.startsWith("/..")) {
        return null;
      }
      return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private Set<String> requiredScopes(Context ctx, String pathWithQuery) {
    int q = pathWithQuery.indexOf('?');
    String path = q < 0 ? pathWithQuery : pathWithQuery.substring(0, q);
    Set<String> required = new HashSet<>();
    // Longest prefix first: floorKey walks down from the path itself.
    String key = scopes.floorKey(path);
    while (key != null) {
      // A prefix covers whole segments: /orders covers /orders and /orders/42, not /orders-x.
      if (path.startsWith(key)
          && (path.length() == key.length()
              || key.endsWith("/")
              || path.charAt(key.length()) == '/')) {
        required.addAll(scopes.get(key));
        break;
      }
      key = scopes.lowerKey(key);
    }
    if (settings.scopeHeader() != null) {
      String extra = ctx.header(settings.scopeHeader());
      if (extra != null && !extra.isBlank()) {
        required.addAll(List.of(extra.trim().split(" +")));
      }
    }
    return required;
  }

  private static @Nullable String sourceAddress(Context ctx) {
    String forwarded = ctx.header("X-Forwarded-For");
    if (forwarded != null && !forwarded.isBlank()) {
      int comma = forwarded.indexOf(',');
      return (comma < 0 ? forwarded : forwarded.substring(0, comma)).trim();
    }
    String real = ctx.header("X-Real-IP");
    return real != null ? real : ctx.ip();
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
