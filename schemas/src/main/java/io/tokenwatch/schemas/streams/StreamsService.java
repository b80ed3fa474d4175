package io.tokenwatch.schemas.streams;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.metrics.Sensor.RecordingLevel;
import org.apache.kafka.common.utils.KafkaThread;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams part of a Tokenwatch Streams service (the revocation stream, the anomaly
 * detector): one {@link KafkaStreams} client with the services' shared failure policy, its
 * Micrometer metrics, readiness, and a clean close.
 *
 * <p>A stream thread that dies of a transient fault (a {@link RetriableException} anywhere in the
 * cause chain, such as an unreachable schema registry, or an {@link InvalidTxnStateException}: a
 * transaction the coordinator aborted during a broker failover) is replaced: under exactly-once its
 * transaction was aborted, so the replacement processes the same records again. Any other fault
 * shuts the client down, and {@link #isRunning()} turns false for good.
 *
 * <p>{@link #create} builds the client without starting it, so that a service can first bind what
 * must exist before the stream runs (an HTTP server whose port goes into {@code
 * application.server}, say); {@link #start} then starts it. Thread-safe. Create, start once, then
 * {@link #close}.
 */
public final class StreamsService implements AutoCloseable {

  /**
   * How long a clean close waits for the stream threads to finish their work and leave the group.
   */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How often the metrics binder looks for metrics that Kafka Streams added (a task or a store
   * assigned after a rebalance, a replaced thread). Micrometer's default is a minute, during which
   * a dashboard shows nothing for an instance's newly assigned work; listing the client's metrics
   * every 10 s costs a map copy.
   */
  static final Duration METRICS_REFRESH = Duration.ofSeconds(10);

  /** {@code ConsumerConfig.LEAVE_GROUP_ON_CLOSE_CONFIG}, which Kafka keeps package-private. */
  static final String LEAVE_GROUP_ON_CLOSE = "internal.leave.group.on.close";

  private final KafkaStreams streams;
  private final KafkaStreamsMetrics metrics;
  private final ScheduledExecutorService metricsRefresh;

  private StreamsService(
      KafkaStreams streams, KafkaStreamsMetrics metrics, ScheduledExecutorService metricsRefresh) {
    this.streams = streams;
    this.metrics = metrics;
    this.metricsRefresh = metricsRefresh;
  }

  /**
   * Builds the Kafka Streams client of a service and binds its metrics to {@code meters}; does not
   * start it.
   *
   * @param owner the service's class: thread failures are logged under its logger, so log settings
   *     for the service keep applying
   * @param description the service in log lines, e.g. {@code "the revocation stream"}
   * @param topology what the service runs
   * @param properties the Kafka Streams properties
   * @param meters where the client's metrics are registered (Micrometer's {@link
   *     KafkaStreamsMetrics}), only those Kafka records at the properties' {@code
   *     metrics.recording.level} ({@code INFO} unless set; see {@link StreamsMetricsLevel}); not
   *     closed here
   * @throws IllegalArgumentException if {@code metrics.recording.level} is not INFO, DEBUG or TRACE
   */
  public static StreamsService create(
      Class<?> owner,
      String description,
      Topology topology,
      Properties properties,
      MeterRegistry meters) {
    requireNonNull(owner, "owner");
    requireNonNull(description, "description");
    requireNonNull(topology, "topology");
    requireNonNull(properties, "properties");
    requireNonNull(meters, "meters");
    Properties effective = leavingOnClose(properties);
    RecordingLevel level =
        StreamsMetricsLevel.parse(
            effective.getProperty(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG));
    effective.put(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, level.name());
    KafkaStreams streams = new KafkaStreams(topology, effective);
    streams.setUncaughtExceptionHandler(uncaughtExceptionHandler(owner, description));
    ScheduledExecutorService metricsRefresh =
        Executors.newSingleThreadScheduledExecutor(
            task -> KafkaThread.daemon("streams-metrics-refresh", task));
    KafkaStreamsMetrics metrics =
        new KafkaStreamsMetrics(streams, List.of(), metricsRefresh, METRICS_REFRESH);
    try {
      // Through a composite whose filter drops what Kafka does not record at this level; the
      // service's own meters on the same registry stay unfiltered.
      CompositeMeterRegistry levelled = new CompositeMeterRegistry();
      levelled.config().meterFilter(StreamsMetricsLevel.filter(level));
      levelled.add(meters);
      metrics.bindTo(levelled);
    } catch (RuntimeException e) {
      metrics.close();
      metricsRefresh.shutdownNow();
      streams.close(Duration.ZERO);
      throw e;
    }
    return new StreamsService(streams, metrics, metricsRefresh);
  }

  /**
   * {@code properties} with the main consumers set to leave the group when they close.
   *
   * <p>Kafka Streams 4.1 configures its consumers not to leave on close, and {@code
   * CloseOptions.leaveGroup(true)} only removes static members (KAFKA-16514): a stopped instance of
   * a service with dynamic members would keep its partitions until the session timeout ran out, and
   * its work (revocations, alerts) would wait with them. The consumer's internal leave-on-close
   * setting is what Kafka's own fix replaces (KAFKA-18185, with {@code
   * CloseOptions.GroupMembershipOperation}); drop this once the build uses a Kafka that has it.
   */
  static Properties leavingOnClose(Properties properties) {
    Properties copy = new Properties();
    copy.putAll(properties);
    copy.put(StreamsConfig.mainConsumerPrefix(LEAVE_GROUP_ON_CLOSE), true);
    return copy;
  }

  /**
   * The services' policy for a stream thread that died, for a {@link KafkaStreams} client that a
   * service runs outside a {@code StreamsService} (a replay's, say): replace the thread on a
   * transient fault, shut the client down on any other.
   *
   * @param owner the class whose logger reports the failure
   * @param description the service in log lines, e.g. {@code "the anomaly detector"}
   */
  public static StreamsUncaughtExceptionHandler uncaughtExceptionHandler(
      Class<?> owner, String description) {
    requireNonNull(owner, "owner");
    requireNonNull(description, "description");
    Logger log = LoggerFactory.getLogger(owner);
    return error -> {
      StreamThreadExceptionResponse response = responseTo(error);
      if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
        log.warn(
            "Stream thread failed on a transient fault; replacing it: {}",
            String.valueOf(transientCause(error)));
      } else {
        log.error("Stream thread failed; shutting {} down", description, error);
      }
      return response;
    };
  }

  /**
   * What a service does when a stream thread dies of {@code error}: {@code REPLACE_THREAD} when a
   * {@link RetriableException} or an {@link InvalidTxnStateException} is anywhere in its cause
   * chain, {@code SHUTDOWN_CLIENT} otherwise.
   */
  public static StreamThreadExceptionResponse responseTo(Throwable error) {
    requireNonNull(error, "error");
    return transientCause(error) != null
        ? StreamThreadExceptionResponse.REPLACE_THREAD
        : StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }

  private static @Nullable Throwable transientCause(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      // InvalidTxnStateException: the transaction coordinator aborted the thread's transaction
      // (a broker failover outlasted the transaction timeout) and the commit found it gone. Under
      // exactly-once nothing of it counts; a new thread starts a new transaction from the
      // committed offsets, as after any other aborted one.
      if (t instanceof RetriableException || t instanceof InvalidTxnStateException) {
        return t;
      }
    }
    return null;
  }

  /**
   * Starts the stream threads. Returns once the client is starting; {@link #isRunning()} tells when
   * it runs.
   *
   * @throws IllegalStateException if it was started or closed before
   */
  public void start() {
    streams.start();
  }

  /** Whether the client runs: its readiness. */
  public boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** The Kafka Streams state. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** The client, for what only one service does with it (interactive queries, store gauges). */
  public KafkaStreams streams() {
    return streams;
  }

  /**
   * Stops the stream threads, waiting up to {@link #CLOSE_TIMEOUT}, leaves the consumer group and
   * unbinds the metrics. Idempotent.
   */
  @Override
  public void close() {
    // Leave the group on a clean stop: otherwise the next start (or another instance) waits out
    // the session timeout before it gets the partitions, and the service's work waits with it.
    streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(CLOSE_TIMEOUT));
    metrics.close();
    metricsRefresh.shutdownNow();
  }
}
