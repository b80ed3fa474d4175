package io.tokenwatch.anomaly.app;

import static java.util.Objects.requireNonNull;

import io.javalin.Javalin;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.ExactHeaders;
import io.tokenwatch.schemas.http.JsonErrors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The detector's HTTP server: {@code GET /health} (200 while the process serves), {@code GET
 * /ready} (200 while Kafka Streams runs, else 503) and {@code GET /metrics} (Prometheus text);
 * anything else is refused with RFC 7807 problem JSON. Thread-safe.
 */
final class HealthServer implements AutoCloseable {

  private final Javalin server;

  private HealthServer(String host, int port, BooleanSupplier ready, Supplier<String> metrics) {
    this.server =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              ExactHeaders.apply(config);
              config.jetty.host = host;
              config.jetty.port = port;
              // Every refusal, Jetty's before routing included, answers in RFC 7807 JSON.
              JsonErrors.install(config, ErrorFormat.PROBLEM);
              config.routes.get(
                  "/health",
                  ctx -> ctx.contentType("application/json").result("{\"status\":\"UP\"}"));
              config.routes.get(
                  "/ready",
                  ctx -> {
                    boolean up = ready.getAsBoolean();
                    ctx.status(up ? 200 : 503)
                        .contentType("application/json")
                        .result("{\"ready\":" + up + "}");
                  });
              config.routes.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                          .result(metrics.get()));
            });
  }

  static HealthServer start(
      String host, int port, BooleanSupplier ready, Supplier<String> metrics) {
    HealthServer server =
        new HealthServer(
            requireNonNull(host, "host"),
            port,
            requireNonNull(ready, "ready"),
            requireNonNull(metrics, "metrics"));
    server.server.start();
    return server;
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.stop();
  }
}
