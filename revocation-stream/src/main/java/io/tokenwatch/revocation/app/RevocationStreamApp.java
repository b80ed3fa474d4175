package io.tokenwatch.revocation.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Gauge;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.revocation.http.IntrospectionServer;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.revocation.kafka.RevocationTopology;
import io.tokenwatch.schemas.metrics.ServiceMeters;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.streams.StreamsService;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.Topology;
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

  private final StreamsService streams;
  private final IntrospectionServer http;
  private final ServiceMeters meters;

  private RevocationStreamApp(
      StreamsService streams, IntrospectionServer http, ServiceMeters meters) {
    this.streams = streams;
    this.http = http;
    this.meters = meters;
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
    // The same connection settings as the stream's own clients (bootstrap servers, and the
    // security settings given as streams.* keys), without the settings only Streams knows.
    TopicEnsurer.ensureCatalogue(config.streamsProperties(null), registry);

    ServiceMeters meters = ServiceMeters.create();
    Topology topology =
        RevocationTopology.build(
            config, registry, new MicrometerRevocationMetrics(meters.registry()));
    StreamsHolder holder = new StreamsHolder();
    IntrospectionServer http =
        IntrospectionServer.start(
            config.httpHost(),
            config.httpPort(),
            new LazyBackend(holder),
            config.introspectionSecretSha256(),
            Clock.systemUTC(),
            meters::scrape);
    StreamsService service = null;
    try {
      String server = config.applicationServer();
      HostInfo self =
          HostInfo.buildFromEndpoint(
              server != null ? server : config.httpHost() + ":" + http.port());
      service =
          StreamsService.create(
              RevocationStreamApp.class,
              "the revocation stream",
              topology,
              config.streamsProperties(self.host() + ":" + self.port()),
              meters.registry());
      KafkaStreams streams = service.streams();
      holder.backend =
          new StreamsIntrospectionBackend(
              streams,
              self,
              AvroSerdes.specific(Revocation.class, registry, config.serdeConfig(), false)
                  .deserializer());
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
            .register(meters.registry());
      }
      service.start();
      log.info(
          "Revocation stream {} starting; HTTP on port {}", config.applicationId(), http.port());
      return new RevocationStreamApp(service, http, meters);
    } catch (RuntimeException e) {
      http.close();
      if (service != null) {
        service.close();
      }
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
