package io.tokenwatch.signals.app;

import static java.util.Objects.requireNonNull;

import io.javalin.Javalin;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.schemas.metrics.ServiceMeters;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.signals.PushEndpoints;
import io.tokenwatch.signals.StreamRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Shared Signals service as a running component: the SSF transmitter (metadata, stream
 * management, fan-out of revocations into SETs, push and poll delivery) and the receiver of an
 * upstream transmitter, behind one HTTP server that also answers {@code /health}, {@code /ready}
 * and {@code /metrics}.
 *
 * <p>Thread-safe. {@link #start} once, then {@link #close}.
 */
public final class SharedSignalsApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SharedSignalsApp.class);

  private final Javalin http;
  private final Deque<AutoCloseable> resources;

  private SharedSignalsApp(Javalin http, Deque<AutoCloseable> resources) {
    this.http = http;
    this.resources = resources;
  }

  /**
   * Validates {@code configs} and starts the service.
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every configuration problem
   */
  public static SharedSignalsApp start(Map<String, ?> configs) {
    return start(SharedSignalsConfig.of(configs));
  }

  /** Starts the service: ensures the topics, then the Kafka clients, then the HTTP server. */
  public static SharedSignalsApp start(SharedSignalsConfig config) {
    requireNonNull(config, "config");
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      ServiceMeters meters = ServiceMeters.create();
      resources.push(meters);
      SchemaRegistryClient registry =
          new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
      TopicEnsurer.ensureCatalogue(kafkaSettings(config), registry);
      // ---- Transmitter: events and push delivery ----
      // The outbox exists before stream management (which sends verification and stream-updated
      // events through it); fan-out and push start once a stream registry is wired, with the
      // default subjects setting and the endpoint rules of stream management.
      TransmitterWiring transmitter =
          TransmitterWiring.create(config, registry, meters.registry(), Clock.systemUTC());
      resources.push(transmitter);
      StreamRegistry streamRegistry = null;
      boolean allSubjectsByDefault = false;
      Predicate<URI> pushEndpointRule = PushEndpoints::strict;
      if (streamRegistry != null) {
        transmitter.start(streamRegistry, allSubjectsByDefault, pushEndpointRule);
      }
      // ---- end of transmitter ----

      Javalin http =
          Javalin.create(
              server -> {
                server.startup.showJavalinBanner = false;
                server.startup.showOldJavalinVersionWarning = false;
                server.jetty.host = config.httpHost();
                server.jetty.port = config.httpPort();
                JsonErrors.install(server, ErrorFormat.PROBLEM);
                server.routes.get(
                    "/health",
                    ctx -> ctx.contentType("application/json").result("{\"status\":\"UP\"}"));
                server.routes.get(
                    "/ready",
                    ctx -> ctx.contentType("application/json").result("{\"ready\":true}"));
                server.routes.get(
                    "/metrics",
                    ctx ->
                        ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                            .result(meters.scrape()));
              });
      http.start();
      resources.push(http::stop);
      log.info("Shared Signals service on port {}", http.port());
      return new SharedSignalsApp(http, resources);
    } catch (RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  /** The settings every Kafka client of the service starts from. */
  static Map<String, Object> kafkaSettings(SharedSignalsConfig config) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("bootstrap.servers", config.bootstrapServers());
    settings.putAll(config.kafkaOverrides());
    return settings;
  }

  /** The port the HTTP server listens on. */
  public int httpPort() {
    return http.port();
  }

  /** Stops HTTP and the Kafka clients. Idempotent. */
  @Override
  public void close() {
    closeAll(resources);
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        log.warn("Closing {} failed", resources, e);
      }
    }
  }
}
