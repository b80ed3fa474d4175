package io.tokenwatch.signals.app;

import static java.util.Objects.requireNonNull;

import io.javalin.Javalin;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.ExactHeaders;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.schemas.metrics.ServiceMeters;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.signals.http.PollEndpoint;
import io.tokenwatch.signals.http.ReceiverAuthentication;
import io.tokenwatch.signals.stream.DefaultSubjects;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
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
  private final BooleanSupplier ready;
  private final Deque<AutoCloseable> resources;

  private SharedSignalsApp(Javalin http, BooleanSupplier ready, Deque<AutoCloseable> resources) {
    this.http = http;
    this.ready = ready;
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

      Clock clock = Clock.systemUTC();

      // Transmitter: the issuer's keys and the outbox first, since stream management sends
      // verification and stream-updated events through it; then metadata, stream management and
      // the stream registry; then the fan-out of revocations and push delivery, which read the
      // registry.
      TransmitterWiring transmitter =
          TransmitterWiring.create(config, registry, meters.registry(), clock);
      resources.push(transmitter);
      AtomicInteger boundPort = new AtomicInteger();
      Supplier<String> baseUrl =
          () ->
              config
                  .publicUrl()
                  .orElseGet(() -> "http://" + config.httpHost() + ":" + boundPort.get());
      StreamsWiring streams =
          StreamsWiring.start(
              config,
              kafkaSettings(config),
              registry,
              meters.registry(),
              transmitter.outbox(),
              baseUrl,
              resources);
      transmitter.start(
          streams.registry(),
          StreamSettings.of(config.values()).limits().defaultSubjects() == DefaultSubjects.ALL,
          endpoint -> streams.endpoints().problem(endpoint).isEmpty());
      // Again, so it closes (idempotently) before the stream registry its fan-out and push read.
      resources.push(transmitter);

      // Transmitter: poll delivery (RFC 8936).
      PollEndpoint poll =
          PollWiring.start(
              config,
              streams.registry(),
              ctx -> streams.receivers().authenticate(ctx, ReceiverAuthentication.SCOPE_POLL),
              meters.registry(),
              resources);

      // Receiver of an upstream transmitter (signals.receiver.*): push endpoint and poller.
      Optional<ReceiverWiring> receiver =
          ReceiverWiring.create(config, registry, meters.registry(), clock, resources);

      Javalin http =
          Javalin.create(
              server -> {
                server.startup.showJavalinBanner = false;
                server.startup.showOldJavalinVersionWarning = false;
                ExactHeaders.apply(server);
                server.jetty.host = config.httpHost();
                server.jetty.port = config.httpPort();
                JsonErrors.install(server, ErrorFormat.PROBLEM);
                server.routes.get(
                    "/health",
                    ctx -> ctx.contentType("application/json").result("{\"status\":\"UP\"}"));
                server.routes.get(
                    "/ready",
                    ctx -> {
                      boolean ready = streams.isReady();
                      ctx.status(ready ? 200 : 503)
                          .contentType("application/json")
                          .result("{\"ready\":" + ready + "}");
                    });
                server.routes.get(
                    "/metrics",
                    ctx ->
                        ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                            .result(meters.scrape()));
                streams.addRoutes(server.routes);
                poll.configure(server);
                receiver.ifPresent(r -> r.routes(server.routes));
              });
      http.start();
      resources.push(http::stop);
      boundPort.set(http.port());
      receiver.ifPresent(r -> r.startPolling(resources));
      log.info("Shared Signals service on port {}", http.port());
      return new SharedSignalsApp(http, streams::isReady, resources);
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

  /** Whether the service has read every stream, can check receivers' tokens, and serves. */
  public boolean isReady() {
    return ready.getAsBoolean();
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
