package io.tokenwatch.anomaly.app;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.anomaly.kafka.AnomalyTopology;
import io.tokenwatch.schemas.metrics.ServiceMeters;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.streams.StreamsService;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Clock;
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

  private final StreamsService streams;
  private final HealthServer http;
  private final ServiceMeters meters;

  private AnomalyDetectorApp(StreamsService streams, HealthServer http, ServiceMeters meters) {
    this.streams = streams;
    this.http = http;
    this.meters = meters;
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
    AnomalyTopology.SourcePartitions partitions = describeInputs(config);
    ServiceMeters meters = ServiceMeters.create();
    Topology topology =
        AnomalyTopology.build(
            config,
            registry,
            new MicrometerAnomalyMetrics(meters.registry(), Clock.systemUTC()),
            AnomalyTopology.Mode.LIVE,
            partitions);
    StreamsService streams =
        StreamsService.create(
            AnomalyDetectorApp.class,
            "the anomaly detector",
            topology,
            config.streamsProperties(),
            meters.registry());
    HealthServer http = null;
    try {
      http =
          HealthServer.start(
              config.httpHost(), config.httpPort(), streams::isRunning, meters::scrape);
      streams.start();
      log.info(
          "Anomaly detector {} starting; alerts to {}; HTTP on port {}",
          config.applicationId(),
          config.outputTopic(),
          http.port());
      return new AnomalyDetectorApp(streams, http, meters);
    } catch (RuntimeException e) {
      if (http != null) {
        http.close();
      }
      streams.close();
      meters.close();
      throw e;
    }
  }

  /** The port the HTTP server listens on. */
  public int httpPort() {
    return http.port();
  }

  /** Whether Kafka Streams is running. */
  public boolean isRunning() {
    return streams.isRunning();
  }

  /** The Kafka Streams state. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /**
   * Stops HTTP and Kafka Streams (waiting up to 30 s for it, leaving the group so that the next
   * start or another instance gets the partitions at once). Idempotent.
   */
  @Override
  public void close() {
    http.close();
    streams.close();
    meters.close();
  }

  /** The inputs' partitions: each is a source the per-client rules wait for. */
  private static AnomalyTopology.SourcePartitions describeInputs(AnomalyDetectorConfig config) {
    try (Admin admin = Admin.create(TopicEnsurer.adminSettings(config.streamsProperties()))) {
      return InputPartitions.describe(admin, TopicEnsurer.SERVICE_START_TIMEOUT);
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaException("cannot describe the detector's input topics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    }
  }

  static void ensureTopics(AnomalyDetectorConfig config, SchemaRegistryClient registry) {
    TopicEnsurer.ensureCatalogue(config.streamsProperties(), registry);
    String output = config.outputTopic();
    if (Topics.byName(output).isPresent()) {
      return;
    }
    // Another alert topic (a replay's, a trial's): laid out like the live one.
    try (Admin admin = Admin.create(TopicEnsurer.adminSettings(config.streamsProperties()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(
                      output,
                      Optional.of(Topics.SECURITY_ALERTS.spec().partitions()),
                      Optional.empty())))
          .all()
          .get(TopicEnsurer.SERVICE_START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
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
}
