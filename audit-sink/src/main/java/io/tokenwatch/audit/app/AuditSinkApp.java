package io.tokenwatch.audit.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.http.ApiAuthenticator;
import io.tokenwatch.audit.http.AuditApi;
import io.tokenwatch.audit.kafka.AuditIngest;
import io.tokenwatch.audit.kafka.IngestListener;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.events.AuditCheckpoint;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.metrics.ServiceMeters;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.kafka.FeedFollowingValidators;
import io.tokenwatch.validator.kafka.RevocationFeed;
import io.tokenwatch.validator.kafka.UsageReporter;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit sink as a running component: ensures the topic catalogue, opens the store read-write,
 * starts the ingest thread and the HTTP server (query API, {@code /health}, {@code /ready}, {@code
 * /metrics}).
 *
 * <p>Thread-safe. {@link #start} once, then {@link #close}.
 */
public final class AuditSinkApp implements AutoCloseable {

  /**
   * The event topics the sink stores: every catalogue topic with an Avro value except its own
   * checkpoints and the validators' status reports. Those are heartbeats, not decisions: every
   * validator writes one every few seconds (17,280 a day each at the default interval), which would
   * outgrow every other event in the store while tracing no decision to a person or policy; the
   * revocations they report applying are audited on the revocation topics already.
   */
  public static final List<String> TOPICS =
      Topics.ALL.stream()
          .filter(topic -> topic.valueSchema().isPresent())
          .filter(topic -> !topic.equals(Topics.AUDIT_CHECKPOINTS))
          .filter(topic -> !topic.equals(Topics.VALIDATOR_STATUS))
          .map(Topic::name)
          .toList();

  /** The {@code validator_id} of the query API's usage reports. */
  public static final String API_VALIDATOR_ID = "tokenwatch-audit-api";

  private static final String API_USAGE_CLIENT_ID = "tokenwatch-audit-api-usage";

  private static final Logger log = LoggerFactory.getLogger(AuditSinkApp.class);

  private final Deque<AutoCloseable> resources;
  private final AuditIngest ingest;
  private final Thread ingestThread;
  private final AuditApi api;
  private final AuditStore readerRoot;

  private AuditSinkApp(
      Deque<AutoCloseable> resources,
      AuditIngest ingest,
      Thread ingestThread,
      AuditApi api,
      AuditStore readerRoot) {
    this.resources = resources;
    this.ingest = ingest;
    this.ingestThread = ingestThread;
    this.api = api;
    this.readerRoot = readerRoot;
  }

  /**
   * Validates {@code configs} and starts the sink.
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every configuration problem
   */
  public static AuditSinkApp start(Map<String, ?> configs) {
    return start(AuditSinkConfig.of(configs), checkpoint -> {});
  }

  /**
   * Starts the sink.
   *
   * @param onCheckpoint called on the ingest thread after each checkpoint is stored
   * @throws io.tokenwatch.audit.store.StoreLockedException if another process holds the store
   */
  public static AuditSinkApp start(AuditSinkConfig config, Consumer<Checkpoint> onCheckpoint) {
    requireNonNull(config, "config");
    requireNonNull(onCheckpoint, "onCheckpoint");
    Clock clock = Clock.systemUTC();
    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
    Map<String, Object> clients = config.consumerConfig();
    TopicEnsurer.ensureCatalogue(config.kafkaClientConfig(), registry);
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      AuditStore store = AuditStore.openReadWrite(config.store());
      resources.push(store);
      AuditStore readerRoot = store.duplicate();
      resources.push(readerRoot);
      KeyPair keys = KeyFiles.loadOrCreate(config.dataDir());
      ServiceMeters serviceMeters = ServiceMeters.create();
      resources.push(serviceMeters);
      PrometheusMeterRegistry meters = serviceMeters.registry();
      IngestMetrics metrics = new IngestMetrics(meters);

      Map<String, Object> consumerConfig = new HashMap<>(clients);
      consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      consumerConfig.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.batchSize());
      consumerConfig.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-audit-sink");
      KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(
              consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(consumer);
      consumerMetrics.bindTo(meters);
      resources.push(consumerMetrics);

      Map<String, Object> producerConfig = new HashMap<>();
      config
          .kafkaClientConfig()
          .forEach(
              (key, value) -> {
                if (ProducerConfig.configNames().contains(key)) {
                  producerConfig.put(key, value);
                }
              });
      producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
      producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-audit-sink-dlq");
      KafkaProducer<byte[], byte[]> deadLetters =
          new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
      resources.push(deadLetters);

      KafkaProducer<String, AuditCheckpoint> checkpointProducer =
          new KafkaProducer<>(
              withClientId(producerConfig, "tokenwatch-audit-sink-checkpoints"),
              new StringSerializer(),
              AvroSerdes.specific(AuditCheckpoint.class, registry, config.serdeConfig(), false)
                  .serializer());
      resources.push(checkpointProducer);
      String publicKey =
          Base64.getUrlEncoder().withoutPadding().encodeToString(keys.getPublic().getEncoded());
      IngestListener listener =
          new IngestListener() {
            @Override
            public void batchStored(int stored, int duplicates, int dead, long nanos) {
              metrics.batchStored(stored, duplicates, dead, nanos);
            }

            @Override
            public void checkpointed(Checkpoint checkpoint) {
              metrics.checkpointed(checkpoint);
              var unused =
                  checkpointProducer.send(
                      new ProducerRecord<>(
                          Topics.AUDIT_CHECKPOINTS.name(),
                          checkpoint.keyId(),
                          CheckpointEvents.of(checkpoint, publicKey)),
                      (metadata, error) -> {
                        if (error != null) {
                          log.warn(
                              "Publishing checkpoint {} failed: {}",
                              checkpoint.number(),
                              error.toString());
                        }
                      });
              onCheckpoint.accept(checkpoint);
            }

            @Override
            public void batchFailed(Exception error) {
              metrics.batchFailed(error);
            }
          };
      AuditIngest ingest =
          new AuditIngest(
              consumer,
              AvroSerdes.generic(registry, config.serdeConfig(), false).deserializer(),
              store,
              new CheckpointSigner(keys),
              deadLetters,
              Topics.DEAD_LETTERS.name(),
              TOPICS,
              new AuditIngest.Settings(
                  config.batchSize(),
                  config.batchMaxWait(),
                  config.checkpointRecords(),
                  config.checkpointInterval()),
              clock,
              listener);

      TokenValidator validator = null;
      RevocationFeed feed = null;
      if (config.apiIssuer().isPresent()) {
        Map<String, Object> feedConfig = new HashMap<>();
        feedConfig.put(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            clients.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
        feedConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-audit-api-feed");
        feed = FeedFollowingValidators.startFeed(feedConfig, registry, config.serdeConfig(), clock);
        resources.push(feed);
        feed.bindTo(meters);
        // The API accepts Tokenwatch tokens like any resource server, so it reports each use
        // (allowed and denied) as validators do: without it, audit least-privilege would call the
        // scope every analyst tool uses to read the audit unused.
        UsageReporter usage =
            new UsageReporter(
                withClientId(producerConfig, API_USAGE_CLIENT_ID),
                AvroSerdes.specific(TokenUsed.class, registry, config.serdeConfig(), false)
                    .serializer(),
                Topics.TOKEN_USED.name(),
                API_VALIDATOR_ID,
                10_000);
        resources.push(usage);
        usage.bindTo(meters);
        validator =
            FeedFollowingValidators.builder(
                    config.apiIssuer().get(),
                    config.apiAudience(),
                    config.apiJwksUrl().orElseThrow(),
                    Duration.ofSeconds(10),
                    Duration.ofMinutes(10),
                    feed,
                    clock)
                .maxStaleness(config.apiMaxStaleness())
                .signatureCacheSize(1_000)
                .listener(usage)
                .build();
      }
      Thread thread = new Thread(ingest, "tokenwatch-audit-ingest");
      AuditApi api =
          AuditApi.start(
              config.httpHost(),
              config.httpPort(),
              () -> duplicate(readerRoot),
              new ApiAuthenticator(validator, config.apiScope()),
              keys.getPublic(),
              () -> thread.isAlive() && ingest.isHealthy(),
              meters::scrape,
              clock);
      resources.push(api);
      thread.start();
      log.info("Audit sink storing {} in {}; HTTP on port {}", TOPICS, config.store(), api.port());
      return new AuditSinkApp(resources, ingest, thread, api, readerRoot);
    } catch (RuntimeException e) {
      closeAll(resources);
      throw e;
    }
  }

  private static Map<String, Object> withClientId(Map<String, Object> config, String clientId) {
    Map<String, Object> copy = new HashMap<>(config);
    copy.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    return copy;
  }

  private static AuditStore duplicate(AuditStore root) {
    synchronized (root) {
      return root.duplicate();
    }
  }

  /** The port the HTTP server listens on. */
  public int httpPort() {
    return api.port();
  }

  /** Whether ingest runs and its last batch stored. */
  public boolean isReady() {
    return ingestThread.isAlive() && ingest.isHealthy();
  }

  /** A new read connection to the store (close it after use), e.g. for tests. */
  public AuditStore reader() {
    return duplicate(readerRoot);
  }

  /** Stops HTTP and ingest (storing what it holds and signing a last checkpoint), then the rest. */
  @Override
  public void close() {
    api.close();
    ingest.close();
    try {
      ingestThread.join(Duration.ofSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeAll(resources);
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("Closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
