package io.tokenwatch.revocation.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.revocation.http.IntrospectionServer;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.revocation.kafka.RevocationTopology;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revocation stream as a running component: ensures the topic catalogue, starts the HTTP server
 * and Kafka Streams with exactly-once v2.
 *
 * <p>A stream thread that dies of a transient fault (a {@link RetriableException} anywhere in the
 * cause chain, such as an unreachable schema registry) is replaced: its transaction was aborted, so
 * the replacement processes the same records again. Any other fault shuts the client down; {@code
 * /ready} then answers 503.
 *
 * <p>Thread-safe. {@link #start} once, then {@link #close}.
 */
public final class RevocationStreamApp implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RevocationStreamApp.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaStreams streams;
  private final IntrospectionServer http;
  private final PrometheusMeterRegistry meters;
  private final KafkaStreamsMetrics streamsMetrics;

  private RevocationStreamApp(
      KafkaStreams streams,
      IntrospectionServer http,
      PrometheusMeterRegistry meters,
      KafkaStreamsMetrics streamsMetrics) {
    this.streams = streams;
    this.http = http;
    this.meters = meters;
    this.streamsMetrics = streamsMetrics;
  }

  /**
   * Validates {@code configs} and starts the application.
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every configuration problem
   */
  public static RevocationStreamApp start(Map<String, ?> configs) {
    return start(RevocationStreamConfig.of(configs));
  }

  /**
   * Starts the application: ensures the topics and schemas, binds the HTTP server, then starts
   * Kafka Streams. Returns once streams is starting; {@link #isRunning()} tells when it runs.
   *
   * @throws io.tokenwatch.schemas.topic.TopicConflictException if existing topics conflict
   * @throws org.apache.kafka.common.KafkaException if the cluster cannot be reached
   */
  public static RevocationStreamApp start(RevocationStreamConfig config) {
    requireNonNull(config, "config");
    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
    ensureTopics(config, registry);

    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Topology topology =
        RevocationTopology.build(config, registry, new MicrometerRevocationMetrics(meters));
    StreamsHolder holder = new StreamsHolder();
    IntrospectionServer http =
        IntrospectionServer.start(
            config.httpHost(),
            config.httpPort(),
            new LazyBackend(holder),
            config.introspectionSecretSha256(),
            Clock.systemUTC(),
            meters::scrape);
    try {
      String server = config.applicationServer();
      HostInfo self =
          HostInfo.buildFromEndpoint(
              server != null ? server : config.httpHost() + ":" + http.port());
      KafkaStreams streams =
          new KafkaStreams(topology, config.streamsProperties(self.host() + ":" + self.port()));
      streams.setUncaughtExceptionHandler(RevocationStreamApp::onUncaught);
      holder.backend =
          new StreamsIntrospectionBackend(
              streams,
              self,
              AvroSerdes.specific(Revocation.class, registry, config.serdeConfig(), false)
                  .deserializer());
      KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
      streamsMetrics.bindTo(meters);
      for (String store :
          List.of(
              RevocationTopology.TOKEN_REGISTRY,
              RevocationTopology.USAGE_COUNTS,
              RevocationTopology.LIVE_TOKEN_REVOCATIONS,
              RevocationTopology.LIVE_REVOCATIONS,
              RevocationTopology.REVOCATION_FEED)) {
        Gauge.builder("tokenwatch.revocation.store.entries", streams, s -> entries(s, store))
            .description("Approximate entries of a state store on this instance")
            .tag("store", store)
            .register(meters);
      }
      streams.start();
      log.info(
          "Revocation stream {} starting; HTTP on port {}", config.applicationId(), http.port());
      return new RevocationStreamApp(streams, http, meters, streamsMetrics);
    } catch (RuntimeException e) {
      http.close();
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

  private static void ensureTopics(RevocationStreamConfig config, SchemaRegistryClient registry) {
    // The same connection settings as the stream's own clients (bootstrap servers, and the
    // security settings given as streams.* keys), without the settings only Streams knows.
    try (Admin admin = Admin.create(TopicEnsurer.adminSettings(config.streamsProperties(null)))) {
      new TopicEnsurer(admin, registry, ADMIN_TIMEOUT).ensure(Topics.ALL);
    }
  }

  private static StreamThreadExceptionResponse onUncaught(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof RetriableException) {
        log.warn("Stream thread failed on a transient fault; replacing it: {}", t.toString());
        return StreamThreadExceptionResponse.REPLACE_THREAD;
      }
    }
    log.error("Stream thread failed; shutting the revocation stream down", error);
    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }

  private static double entries(KafkaStreams streams, String store) {
    try {
      return streams
          .store(
              StoreQueryParameters.fromNameAndType(
                  store, QueryableStoreTypes.<Object, Object>keyValueStore()))
          .approximateNumEntries();
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /** Lets the HTTP server start (and its port be known) before Kafka Streams exists. */
  private static final class StreamsHolder {
    volatile @Nullable StreamsIntrospectionBackend backend;
  }

  private static final class LazyBackend
      implements io.tokenwatch.revocation.http.IntrospectionBackend {
    private final StreamsHolder holder;

    LazyBackend(StreamsHolder holder) {
      this.holder = holder;
    }

    private StreamsIntrospectionBackend backend() {
      StreamsIntrospectionBackend backend = holder.backend;
      if (backend == null) {
        throw new IllegalStateException("the stream is starting");
      }
      return backend;
    }

    @Override
    public java.util.Optional<String> remoteOwner(String tokenId) {
      return backend().remoteOwner(tokenId);
    }

    @Override
    public io.tokenwatch.revocation.@Nullable LiveToken token(String tokenId) {
      return backend().token(tokenId);
    }

    @Override
    public long useCount(String tokenId) {
      return backend().useCount(tokenId);
    }

    @Override
    public List<io.tokenwatch.revocation.LiveRevocation> revocations(
        List<io.tokenwatch.revocation.Selector> selectors) {
      return backend().revocations(selectors);
    }

    @Override
    public boolean ready() {
      return holder.backend != null && backend().ready();
    }
  }
}
