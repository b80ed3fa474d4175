package io.tokenwatch.anomaly.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.anomaly.kafka.AnomalyTopology;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The anomaly detector as a running component: ensures the topic catalogue, starts the HTTP server
 * and Kafka Streams with exactly-once v2.
 *
 * <p>A stream thread that dies of a transient fault (a {@link RetriableException} in the cause
 * chain, such as an unreachable schema registry) is replaced; its transaction was aborted, so the
 * replacement processes the same records again. Any other fault shuts the client down; {@code
 * /ready} then answers 503.
 *
 * <p>Thread-safe. {@link #start} once, then {@link #close}.
 */
public final class AnomalyDetectorApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AnomalyDetectorApp.class);
  static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaStreams streams;
  private final HealthServer http;
  private final PrometheusMeterRegistry meters;
  private final KafkaStreamsMetrics streamsMetrics;

  private AnomalyDetectorApp(
      KafkaStreams streams,
      HealthServer http,
      PrometheusMeterRegistry meters,
      KafkaStreamsMetrics streamsMetrics) {
    this.streams = streams;
    this.http = http;
    this.meters = meters;
    this.streamsMetrics = streamsMetrics;
  }

  /**
   * Validates {@code configs} and starts the detector.
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every configuration problem
   */
  public static AnomalyDetectorApp start(Map<String, ?> configs) {
    return start(AnomalyDetectorConfig.of(configs));
  }

  /**
   * Starts the detector: ensures the topics and schemas, binds the HTTP server, then starts Kafka
   * Streams. Returns once streams is starting; {@link #isRunning()} tells when it runs.
   */
  public static AnomalyDetectorApp start(AnomalyDetectorConfig config) {
    requireNonNull(config, "config");
    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
    ensureTopics(config, registry);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Topology topology =
        AnomalyTopology.build(
            config,
            registry,
            new MicrometerAnomalyMetrics(meters, Clock.systemUTC()),
            AnomalyTopology.Mode.LIVE);
    KafkaStreams streams = new KafkaStreams(topology, config.streamsProperties());
    streams.setUncaughtExceptionHandler(AnomalyDetectorApp::onUncaught);
    HealthServer http =
        HealthServer.start(
            config.httpHost(),
            config.httpPort(),
            () -> streams.state() == KafkaStreams.State.RUNNING,
            meters::scrape);
    try {
      KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
      streamsMetrics.bindTo(meters);
      streams.start();
      log.info(
          "Anomaly detector {} starting; alerts to {}; HTTP on port {}",
          config.applicationId(),
          config.outputTopic(),
          http.port());
      return new AnomalyDetectorApp(streams, http, meters, streamsMetrics);
    } catch (RuntimeException e) {
      http.close();
      streams.close(Duration.ofSeconds(10));
      throw e;
    }
  }

  /** The port the HTTP server listens on. */
  public int httpPort() {
    return http.port();
  }

  /** Whether Kafka Streams is running. */
  public boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** The Kafka Streams state. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Stops HTTP and Kafka Streams (waiting up to 30 s for it). Idempotent. */
  @Override
  public void close() {
    http.close();
    // Leave the group on a clean stop: otherwise the next start (or another instance) waits out
    // the session timeout before it gets the partitions, and revocations wait with it.
    streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(30)));
    streamsMetrics.close();
    meters.close();
  }

  static void ensureTopics(AnomalyDetectorConfig config, SchemaRegistryClient registry) {
    try (Admin admin = Admin.create(TopicEnsurer.adminSettings(config.streamsProperties()))) {
      new TopicEnsurer(admin, registry, ADMIN_TIMEOUT).ensure(Topics.ALL);
      String output = config.outputTopic();
      if (Topics.byName(output).isEmpty()) {
        // Another alert topic (a replay's, a trial's): laid out like the live one.
        admin
            .createTopics(
                List.of(
                    new NewTopic(
                        output,
                        Optional.of(Topics.SECURITY_ALERTS.spec().partitions()),
                        Optional.empty())))
            .all()
            .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new KafkaException("cannot create the output topic " + config.outputTopic(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    } catch (TimeoutException e) {
      throw new KafkaException("cannot create the output topic " + config.outputTopic(), e);
    }
  }

  static StreamThreadExceptionResponse onUncaught(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof RetriableException) {
        log.warn("Stream thread failed on a transient fault; replacing it: {}", t.toString());
        return StreamThreadExceptionResponse.REPLACE_THREAD;
      }
    }
    log.error("Stream thread failed; shutting the anomaly detector down", error);
    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }
}
