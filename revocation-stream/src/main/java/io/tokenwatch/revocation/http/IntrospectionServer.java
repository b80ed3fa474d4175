package io.tokenwatch.revocation.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.TokenStatus;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.ExactHeaders;
import io.tokenwatch.schemas.http.JsonErrors;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the revocation stream.
 *
 * <ul>
 *   <li>{@code POST /introspect} (form {@code token=<JWT or jti>}, {@code Authorization: Bearer
 *       <secret>}): RFC 7662 token introspection from the state stores, forwarded to the instance
 *       owning the token when that is another one. The JWT is only read for its {@code jti}, not
 *       verified: the answer describes the token the registry knows under that id, so callers are
 *       trusted parties that authenticate.
 *   <li>{@code GET /health}: 200 while the process serves.
 *   <li>{@code GET /ready}: 200 when the stream runs and its state can be queried, else 503.
 *   <li>{@code GET /metrics}: Prometheus text format.
 * </ul>
 *
 * <p>Thread-safe; {@link #start} once, then {@link #close}.
 */
public final class IntrospectionServer implements AutoCloseable {

  static final String FORWARDED_HEADER = "X-Tokenwatch-Forwarded";

  private static final Logger log = LoggerFactory.getLogger(IntrospectionServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHALLENGE = "Bearer realm=\"tokenwatch-introspection\"";

  private final IntrospectionBackend backend;
  private final BearerAuthenticator authenticator;
  private final Clock clock;
  private final Supplier<String> metrics;
  private final HttpClient client;
  private final Javalin server;

  private IntrospectionServer(
      String host,
      int port,
      IntrospectionBackend backend,
      byte @Nullable [] secretSha256,
      Clock clock,
      Supplier<String> metrics) {
    this.backend = requireNonNull(backend, "backend");
    this.authenticator = new BearerAuthenticator(secretSha256);
    this.clock = requireNonNull(clock, "clock");
    this.metrics = requireNonNull(metrics, "metrics");
    this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.server =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              ExactHeaders.apply(config);
              config.jetty.host = host;
              config.jetty.port = port;
              // Every refusal, Jetty's before routing included, answers in RFC 6749 JSON, as
              // /introspect's own refusals do.
              JsonErrors.install(config, ErrorFormat.OAUTH);
              config.routes.post("/introspect", this::introspect);
              config.routes.get(
                  "/health", ctx -> ctx.json(JSON.createObjectNode().put("status", "UP")));
              config.routes.get("/ready", this::ready);
              config.routes.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                          .result(this.metrics.get()));
              config.routes.exception(
                  IllegalStateException.class,
                  (e, ctx) -> {
                    log.debug("State not queryable: {}", e.getMessage());
                    ctx.status(503).json(error("temporarily_unavailable", e.getMessage()));
                  });
            });
  }

  /**
   * Starts serving.
   *
   * @param host interface to bind
   * @param port port, or 0 for a free one
   * @param backend where state is read
   * @param secretSha256 SHA-256 of the introspection bearer secret, or null to refuse every caller
   * @param clock decides expiry
   * @param metrics the Prometheus scrape
   */
  public static IntrospectionServer start(
      String host,
      int port,
      IntrospectionBackend backend,
      byte @Nullable [] secretSha256,
      Clock clock,
      Supplier<String> metrics) {
    IntrospectionServer server =
        new IntrospectionServer(host, port, backend, secretSha256, clock, metrics);
    server.server.start();
    return server;
  }

  /** The port served on. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.stop();
  }

  private void ready(Context ctx) {
    boolean ready = backend.ready();
    ctx.status(ready ? 200 : 503).json(JSON.createObjectNode().put("ready", ready));
  }

  private void introspect(Context ctx) throws IOException, InterruptedException {
    String authorization = ctx.header("Authorization");
    BearerAuthenticator.Outcome outcome = authenticator.check(authorization);
    if (outcome != BearerAuthenticator.Outcome.AUTHENTICATED) {
      ctx.header(
          "WWW-Authenticate",
          outcome == BearerAuthenticator.Outcome.MISSING
              ? CHALLENGE
              : CHALLENGE + ", error=\"invalid_token\"");
      ctx.status(401)
          .json(
              outcome == BearerAuthenticator.Outcome.MISSING
                  ? error("invalid_request", "bearer credentials required")
                  : error("invalid_token", "the bearer credentials are not valid"));
      return;
    }
    String token = ctx.formParam("token");
    if (token == null || token.isBlank()) {
      ctx.status(400).json(error("invalid_request", "form parameter 'token' is required"));
      return;
    }
    String tokenId = tokenId(token.strip());
    ctx.header("Cache-Control", "no-store");
    if (tokenId == null) {
      ctx.json(inactive());
      return;
    }
    if (ctx.header(FORWARDED_HEADER) == null) {
      var owner = backend.remoteOwner(tokenId);
      if (owner.isPresent()) {
        forward(ctx, owner.get(), token, requireNonNull(authorization));
        return;
      }
    }
    ctx.json(answer(tokenId));
  }

  private ObjectNode answer(String tokenId) {
    LiveToken token = backend.token(tokenId);
    if (token == null) {
      return inactive();
    }
    TokenStatus status =
        TokenStatus.of(
            token,
            backend.useCount(tokenId),
            backend.revocations(token.candidateSelectors()),
            clock.instant());
    if (status instanceof TokenStatus.Active active) {
      return claims(active.token(), active.useCount()).put("active", true);
    }
    if (status instanceof TokenStatus.Revoked revoked) {
      return claims(revoked.token(), revoked.useCount())
          .put("active", false)
          .put("revocation_reason", revoked.revocation().reason().name());
    }
    return inactive();
  }

  private static ObjectNode claims(LiveToken token, long useCount) {
    ObjectNode body = JSON.createObjectNode();
    body.put("active", false); // placed first; callers overwrite
    body.put("scope", String.join(" ", token.scopes()));
    body.put("client_id", token.clientId());
    body.put("sub", token.subject());
    body.put("aud", token.audience());
    body.put("exp", token.expiresAt().getEpochSecond());
    body.put("iat", token.issuedAt().getEpochSecond());
    body.put("jti", token.id());
    body.put("token_type", "Bearer");
    body.put("use_count", useCount);
    if (token.maxUses() != null) {
      body.put("max_uses", token.maxUses());
    }
    return body;
  }

  private void forward(Context ctx, String owner, String token, String authorization)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + owner + "/introspect"))
            .timeout(Duration.ofSeconds(5))
            .header("Authorization", authorization)
            .header(FORWARDED_HEADER, "1")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)))
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("the instance owning the token is unreachable: " + owner, e);
    }
    ctx.status(response.statusCode())
        .contentType("application/json")
        .header("Cache-Control", "no-store")
        .result(response.body());
  }

  /**
   * The token id: the {@code jti} claim of a JWT (read, not verified), or the string itself when it
   * is not a JWT; null when a JWT has no readable {@code jti}.
   */
  static @Nullable String tokenId(String token) {
    int first = token.indexOf('.');
    if (first < 0) {
      return token;
    }
    int second = token.indexOf('.', first + 1);
    if (second < 0) {
      return null;
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(token.substring(first + 1, second));
      JsonNode jti = JSON.readTree(payload).get("jti");
      return jti != null && jti.isTextual() && !jti.asText().isBlank() ? jti.asText() : null;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  private static ObjectNode inactive() {
    return JSON.createObjectNode().put("active", false);
  }

  private static ObjectNode error(String code, @Nullable String description) {
    ObjectNode body = JSON.createObjectNode().put("error", code);
    if (description != null) {
      body.put("error_description", description);
    }
    return body;
  }
}
