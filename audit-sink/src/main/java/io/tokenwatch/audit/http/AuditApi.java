package io.tokenwatch.audit.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.Sealing;
import io.tokenwatch.audit.TimeArgument;
import io.tokenwatch.audit.explain.WhyExplainer;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.StoreVerifier;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.ExactHeaders;
import io.tokenwatch.schemas.http.JsonErrors;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The read-only HTTP API over the audit store, for dashboards and the CLI's {@code --url} mode.
 * Every {@code /api/v1} call needs an access token for the API audience with the API scope.
 *
 * <ul>
 *   <li>{@code GET /api/v1/events?subject&client&token&grant&type&decision&reason&from&to&limit}
 *   <li>{@code GET /api/v1/grants?subject&client&token&grant&audience&scope&from&to&limit}
 *   <li>{@code GET /api/v1/tokens/{id}/timeline}
 *   <li>{@code GET /api/v1/why/{id}?limit}: why a token (jti), event or consent exists, in plain
 *       words ({@link WhyExplainer})
 *   <li>{@code GET /api/v1/least-privilege?days}
 *   <li>{@code GET /api/v1/checkpoints}, {@code GET /api/v1/verify}
 *   <li>{@code GET /health}, {@code GET /ready}, {@code GET /metrics} (no token)
 * </ul>
 *
 * Errors are RFC 7807 {@code application/problem+json}; 401 and 403 carry {@code WWW-Authenticate}.
 * Thread-safe.
 */
public final class AuditApi implements AutoCloseable {

  /** The largest page the API returns. */
  public static final int MAX_LIMIT = 10_000;

  private static final int MAX_PARAM = 1024;
  private static final Set<String> FILTER_PARAMS =
      Set.of(
          "subject",
          "client",
          "token",
          "grant",
          "type",
          "decision",
          "reason",
          "from",
          "to",
          "limit");

  /** {@code /grants} takes the filters and the issuance's audience and one of its scopes. */
  private static final Set<String> GRANT_PARAMS =
      Set.of(
          "subject",
          "client",
          "token",
          "grant",
          "audience",
          "scope",
          "type",
          "decision",
          "reason",
          "from",
          "to",
          "limit");

  private final Supplier<AuditStore> readers;
  private final ApiAuthenticator authenticator;
  private final PublicKey checkpointKey;
  private final BooleanSupplier ready;
  private final Supplier<String> metrics;
  private final Clock clock;
  private final Javalin server;

  private AuditApi(
      String host,
      int port,
      Supplier<AuditStore> readers,
      ApiAuthenticator authenticator,
      PublicKey checkpointKey,
      BooleanSupplier ready,
      Supplier<String> metrics,
      Clock clock) {
    this.readers = requireNonNull(readers, "readers");
    this.authenticator = requireNonNull(authenticator, "authenticator");
    this.checkpointKey = requireNonNull(checkpointKey, "checkpointKey");
    this.ready = requireNonNull(ready, "ready");
    this.metrics = requireNonNull(metrics, "metrics");
    this.clock = requireNonNull(clock, "clock");
    this.server =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              ExactHeaders.apply(config);
              config.jetty.host = host;
              config.jetty.port = port;
              config.http.maxRequestSize = 16_384;
              // Every refusal, Jetty's before routing included, answers in RFC 7807 JSON.
              JsonErrors.install(config, ErrorFormat.PROBLEM);
              var routes = config.routes;
              routes.get("/api/v1/events", ctx -> authorized(ctx, this::events));
              routes.get("/api/v1/grants", ctx -> authorized(ctx, this::grants));
              routes.get("/api/v1/tokens/{id}/timeline", ctx -> authorized(ctx, this::timeline));
              routes.get("/api/v1/why/{id}", ctx -> authorized(ctx, this::why));
              routes.get("/api/v1/least-privilege", ctx -> authorized(ctx, this::leastPrivilege));
              routes.get("/api/v1/checkpoints", ctx -> authorized(ctx, this::checkpoints));
              routes.get("/api/v1/verify", ctx -> authorized(ctx, this::verify));
              routes.get(
                  "/health",
                  ctx -> ctx.json(AuditJson.MAPPER.createObjectNode().put("status", "UP")));
              routes.get("/ready", this::ready);
              routes.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                          .result(this.metrics.get()));
              routes.exception(
                  BadRequest.class, (e, ctx) -> problem(ctx, 400, "Bad request", e.getMessage()));
              routes.exception(
                  IllegalArgumentException.class,
                  (e, ctx) -> problem(ctx, 400, "Bad request", e.getMessage()));
              routes.error(
                  404,
                  ctx -> {
                    if (!ctx.res().isCommitted() && ctx.result() == null) {
                      problem(ctx, 404, "Not found", "no such resource");
                    }
                  });
            });
  }

  /**
   * Starts serving.
   *
   * @param readers opens a connection to the store for one request (closed after it)
   * @param authenticator checks access tokens
   * @param checkpointKey verifies checkpoint signatures
   * @param ready whether the sink is ready (for {@code /ready})
   * @param metrics the Prometheus scrape
   */
  public static AuditApi start(
      String host,
      int port,
      Supplier<AuditStore> readers,
      ApiAuthenticator authenticator,
      PublicKey checkpointKey,
      BooleanSupplier ready,
      Supplier<String> metrics,
      Clock clock) {
    AuditApi api =
        new AuditApi(host, port, readers, authenticator, checkpointKey, ready, metrics, clock);
    api.server.start();
    return api;
  }

  /** The port served on. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.stop();
  }

  private interface Handler {
    void handle(Context ctx, AuditStore store) throws Exception;
  }

  private void authorized(Context ctx, Handler handler) throws Exception {
    String uri = ctx.fullUrl();
    ApiAuthenticator.Outcome outcome =
        authenticator.check(
            ctx.header("Authorization"), ctx.header("DPoP"), ctx.method().name(), uri, ctx.ip());
    if (outcome instanceof ApiAuthenticator.Outcome.Refused refused) {
      String challenge =
          "Bearer realm=\"tokenwatch-audit\", scope=\"" + authenticator.scope() + "\"";
      if (!refused.error().equals("invalid_request") || refused.status() != 401) {
        challenge += ", error=\"" + refused.error() + "\"";
      }
      if (refused.status() == 401 || refused.status() == 403) {
        ctx.header("WWW-Authenticate", challenge);
      }
      problem(ctx, refused.status(), title(refused.status()), refused.description());
      return;
    }
    ctx.header("Cache-Control", "no-store");
    try (AuditStore store = readers.get()) {
      handler.handle(ctx, store);
    }
  }

  private static String title(int status) {
    return switch (status) {
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      default -> "Service unavailable";
    };
  }

  private void events(Context ctx, AuditStore store) {
    AuditQueries queries = new AuditQueries(store);
    AuditFilter filter = queries.resolveToken(filter(ctx, true, FILTER_PARAMS));
    List<AuditEvent> events = queries.query(filter);
    ctx.json(
        counted(
            AuditJson.MAPPER.createObjectNode(),
            "events",
            events,
            chained(queries, store, events)));
  }

  private void grants(Context ctx, AuditStore store) {
    AuditQueries queries = new AuditQueries(store);
    AuditFilter filter = queries.resolveToken(filter(ctx, false, GRANT_PARAMS));
    ctx.json(
        counted(
            AuditJson.MAPPER.createObjectNode(),
            "grants",
            queries.grants(
                filter, optional(ctx, "audience"), optional(ctx, "scope"), clock.millis()),
            AuditJson::grant));
  }

  private void timeline(Context ctx, AuditStore store) {
    AuditQueries queries = new AuditQueries(store);
    String token = queries.resolveToken(value("token id", ctx.pathParam("id")));
    ObjectNode body = AuditJson.MAPPER.createObjectNode().put("token_id", token);
    List<AuditEvent> events = queries.timeline(token, limit(ctx));
    ctx.json(counted(body, "events", events, chained(queries, store, events)));
  }

  private void why(Context ctx, AuditStore store) {
    for (String name : ctx.queryParamMap().keySet()) {
      if (!name.equals("limit")) {
        throw new BadRequest("unknown parameter '" + printable(name) + "'");
      }
    }
    AuditQueries queries = new AuditQueries(store);
    String id = queries.resolveWhyId(value("id", ctx.pathParam("id")));
    ctx.json(WhyExplainer.explain(id, queries.why(id, limit(ctx)), clock.millis()));
  }

  /**
   * Renders events with where they stand in their chain: {@code chain_seq}, and {@code sealed_by},
   * the number of the first signed checkpoint that covers them (absent while none does).
   */
  private static Function<AuditEvent, ObjectNode> chained(
      AuditQueries queries, AuditStore store, List<AuditEvent> events) {
    Map<String, Long> positions = queries.chainPositions(events);
    Sealing sealing = Sealing.of(store.checkpoints());
    return event -> {
      ObjectNode node = AuditJson.event(event);
      Long seq = positions.get(event.eventId());
      if (seq != null) {
        node.put("chain_seq", seq);
        sealing
            .sealedBy(new ChainKey(event.sourceTopic(), event.sourcePartition()), seq)
            .ifPresent(number -> node.put("sealed_by", number));
      }
      return node;
    };
  }

  /** {@code body} with {@code "count"} and {@code field}: the items rendered. */
  private static <T> ObjectNode counted(
      ObjectNode body, String field, List<T> items, Function<T, ? extends JsonNode> render) {
    ArrayNode array = AuditJson.MAPPER.createArrayNode();
    items.forEach(item -> array.add(render.apply(item)));
    body.put("count", array.size());
    body.set(field, array);
    return body;
  }

  private void leastPrivilege(Context ctx, AuditStore store) {
    int days = intParam(ctx, "days", 30, 1, 3650);
    long from = clock.millis() - Duration.ofDays(days).toMillis();
    ctx.json(AuditJson.leastPrivilege(new AuditQueries(store).leastPrivilege(from), days));
  }

  private void checkpoints(Context ctx, AuditStore store) {
    ArrayNode checkpoints = AuditJson.MAPPER.createArrayNode();
    List<Checkpoint> all = store.checkpoints();
    int limit = limit(ctx);
    for (Checkpoint checkpoint : all.subList(Math.max(0, all.size() - limit), all.size())) {
      checkpoints.add(AuditJson.checkpoint(checkpoint));
    }
    ObjectNode body = AuditJson.MAPPER.createObjectNode();
    body.put("count", all.size());
    body.set("checkpoints", checkpoints);
    ctx.json(body);
  }

  private void verify(Context ctx, AuditStore store) {
    ctx.json(AuditJson.report(StoreVerifier.verify(store, checkpointKey, 2)));
  }

  private void ready(Context ctx) {
    boolean isReady = ready.getAsBoolean();
    ctx.status(isReady ? 200 : 503).json(AuditJson.MAPPER.createObjectNode().put("ready", isReady));
  }

  private AuditFilter filter(Context ctx, boolean withTypes, Set<String> accepted) {
    for (String name : ctx.queryParamMap().keySet()) {
      if (!accepted.contains(name)) {
        throw new BadRequest("unknown parameter '" + printable(name) + "'");
      }
    }
    Set<String> types = new LinkedHashSet<>();
    if (withTypes) {
      for (String type : ctx.queryParams("type")) {
        for (String part : value("type", type).split(",", -1)) {
          types.add(part.strip());
        }
      }
    }
    return new AuditFilter(
        optional(ctx, "subject"),
        optional(ctx, "client"),
        optional(ctx, "token"),
        optional(ctx, "grant"),
        types,
        optional(ctx, "decision"),
        optional(ctx, "reason"),
        time(ctx, "from"),
        time(ctx, "to"),
        limit(ctx));
  }

  private static @Nullable String optional(Context ctx, String name) {
    List<String> values = ctx.queryParams(name);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw new BadRequest("parameter '" + name + "' given more than once");
    }
    return value(name, values.get(0));
  }

  private static String value(String name, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      throw new BadRequest(name + " must not be empty");
    }
    if (value.length() > MAX_PARAM) {
      throw new BadRequest(name + " is longer than " + MAX_PARAM + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) || (Character.isSurrogate(c) && !validSurrogate(value, i))) {
        throw new BadRequest(name + " contains control characters or broken Unicode");
      }
    }
    return value;
  }

  private static boolean validSurrogate(String value, int i) {
    char c = value.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
  }

  private @Nullable Long time(Context ctx, String name) {
    String value = optional(ctx, name);
    if (value == null) {
      return null;
    }
    try {
      return TimeArgument.parse(value, clock);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(name + ": " + e.getMessage());
    }
  }

  private static int limit(Context ctx) {
    return intParam(ctx, "limit", 1000, 1, MAX_LIMIT);
  }

  private static int intParam(Context ctx, String name, int fallback, int min, int max) {
    String value = optional(ctx, name);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.strip());
      if (parsed < min || parsed > max) {
        throw new BadRequest(name + " must be between " + min + " and " + max);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new BadRequest(name + " must be a number between " + min + " and " + max);
    }
  }

  private static String printable(String value) {
    String cut = value.length() > 40 ? value.substring(0, 40) + "..." : value;
    StringBuilder out = new StringBuilder();
    cut.codePoints().forEach(cp -> out.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
    return out.toString();
  }

  static void problem(Context ctx, int status, String title, @Nullable String detail) {
    ObjectNode body = AuditJson.MAPPER.createObjectNode();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status);
    if (detail != null) {
      body.put("detail", detail);
    }
    ctx.status(status).contentType("application/problem+json").result(body.toString());
  }

  /** A bad query parameter: 400 with its message. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  /** The filter parameters this API accepts, for documentation. */
  public static List<String> filterParameters() {
    return new ArrayList<>(FILTER_PARAMS).stream().sorted().toList();
  }
}
