package io.tokenwatch.bench.capacity;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.app.CheckpointEvents;
import io.tokenwatch.audit.kafka.EventMapper;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.AuditCheckpoint;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.issuer.kafka.KafkaEventLog;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.revocation.kafka.RevocationTopology;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.RevocationSignals;
import io.tokenwatch.signals.SecurityEvent;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.kafka.KafkaEventOutbox;
import io.tokenwatch.signals.set.SetSigner;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * Measures the per-unit costs the capacity model (docs/SCALING.md) is built from, on the embedded
 * platform (one real KRaft broker and the schema registry, in this JVM) with the real serdes:
 *
 * <ol>
 *   <li>for every catalogue topic that grows with load, bytes per record on the broker's disk
 *       ({@code Admin.describeLogDirs}, one replica) and the key + value (+ headers) size alone,
 *       produced with the settings of the component that writes it: the issuer's producer as {@link
 *       KafkaEventLog#producerConfig} makes it, the validator's usage reporter (linger 20 ms, lz4),
 *       a transactional producer for what the Streams apps write under exactly-once, the SSF
 *       transmitter's SETs signed by its {@link SetSigner}. Where a writer sends one record per
 *       request and waits for it (the issuer, status reports, alerts) each record is sent and
 *       acknowledged alone, its own batch; where records share batches under load, they are sent at
 *       once and flushed; both are printed where both happen;
 *   <li>the revocation stream's state per token: the real {@link RevocationStreamApp} fed with
 *       tokens, one use each and a revocation for a tenth of them, then closed (RocksDB flushes its
 *       memtables), its state directory and changelog topics measured per store; and the revocation
 *       feed it wrote, per live revocation, on disk and read back (key + value); then the feed's
 *       tombstones;
 *   <li>the audit store's bytes per event: events mapped by the sink's own {@link EventMapper} (one
 *       issuance per nine uses, as the audit benchmark does), appended in batches with a signed
 *       checkpoint after each, the DuckDB file measured after half and after all of them (each time
 *       closed, so the write-ahead log is in the file): the marginal bytes per event.
 * </ol>
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.tokenwatch.bench.capacity.UnitCosts
 * [records per topic, default 20000] [tokens for the stream, default 100000] [audit events, default
 * 400000]}. Sizes, not rates: it uses little CPU. It writes only to a temporary directory, which it
 * deletes, prints a table and asserts nothing.
 */
public final class UnitCosts {

  private static final PrintStream out = System.out;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String SSF_ISSUER = "https://issuer.tokenwatch.example";
  private static final int AUDIT_PARTITIONS = 6;

  private final EmbeddedPlatform platform;
  private final Admin admin;
  private final HttpSchemaRegistryClient registry;
  private final SerdeConfig serdes;
  private final RealisticRecords records;
  private final List<Row> rows = new ArrayList<>();

  /** One measured line of the table. */
  record Row(
      String topic,
      String writer,
      long records,
      double keyValueBytes,
      double headerBytes,
      double diskBytes,
      String note) {}

  private UnitCosts(EmbeddedPlatform platform, Admin admin) {
    this.platform = platform;
    this.admin = admin;
    this.serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
    this.registry = new HttpSchemaRegistryClient(serdes.registrySettings());
    this.records = new RealisticRecords(15, Instant.now());
  }

  public static void main(String[] args) throws Exception {
    int perTopic = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int auditEvents = args.length > 2 ? Integer.parseInt(args[2]) : 400_000;
    Path dir = Files.createTempDirectory("unit-costs");
    out.printf(
        "unit costs: %,d records per topic, %,d tokens through the revocation stream, %,d audit"
            + " events; %s%n",
        perTopic, tokens, auditEvents, Instant.now());
    try {
      List<AuditCheckpoint> checkpoints = new ArrayList<>();
      Map<String, Double> audit = auditStore(dir.resolve("audit"), auditEvents, checkpoints);
      Map<String, Double> state;
      try (EmbeddedPlatform platform =
              EmbeddedPlatform.builder(dir.resolve("kafka")).build().start();
          Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
        UnitCosts costs = new UnitCosts(platform, admin);
        Map<String, Object> clients = new HashMap<>(platform.schemaRegistryClientSettings());
        clients.put("bootstrap.servers", platform.bootstrapServers());
        var unused = TopicEnsurer.ensureCatalogue(clients, costs.registry);
        // The stream first, on empty topics: it reads its inputs from the beginning, so records
        // produced before it would add tokens and revocations to what it is measured on.
        state = costs.streamState(dir.resolve("stream"), tokens);
        costs.topics(perTopic, checkpoints, dir.resolve("keys"));
        costs.tombstones(perTopic);
        costs.print(state, audit);
      }
    } finally {
      deleteQuietly(dir);
    }
  }

  // --- 1. topics -------------------------------------------------------------------------------

  private void topics(int n, List<AuditCheckpoint> checkpoints, Path keysDir) throws Exception {
    int alone = Math.min(n, 3_000);
    try (Producer<String, byte[]> issuer =
            KafkaEventLog.producer(
                KafkaEventLog.producerConfig(platform.bootstrapServers(), TIMEOUT));
        Producer<String, byte[]> usage = producer(usageReporterSettings());
        Producer<String, byte[]> plain = producer(idempotent("tokenwatch-bench-plain"));
        Producer<String, byte[]> transactional = producer(streamsSettings())) {
      transactional.initTransactions();
      List<String> jtis = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        jtis.add(records.uuid());
      }
      measure(
          Topics.TOKEN_ISSUED,
          "issuer, one request at a time (each waits for its ack)",
          alone,
          issuer,
          true,
          i -> record(Topics.TOKEN_ISSUED, jtis.get(i), records.issued(jtis.get(i))));
      measure(
          Topics.TOKEN_ISSUED,
          "issuer, many requests at once (records share batches)",
          n,
          issuer,
          false,
          i -> record(Topics.TOKEN_ISSUED, jtis.get(i), records.issued(jtis.get(i))));
      measure(
          Topics.TOKEN_USED,
          "validator usage reporter (linger 20 ms, lz4)",
          n,
          usage,
          false,
          i -> record(Topics.TOKEN_USED, jtis.get(i), records.used(jtis.get(i), 1 + i % 7)));
      measure(
          Topics.ISSUANCE_DENIED,
          "issuer, one request at a time",
          alone,
          issuer,
          true,
          i -> {
            var denied = records.denied();
            return record(Topics.ISSUANCE_DENIED, denied.getClientId().toString(), denied);
          });
      measure(
          Topics.REVOCATION_REQUESTS,
          "issuer, one revocation at a time",
          alone,
          issuer,
          true,
          i ->
              record(
                  Topics.REVOCATION_REQUESTS,
                  RealisticRecords.feedKey(jtis.get(i)),
                  records.requested(jtis.get(i))));
      measure(
          Topics.REVOCATION_FAST_PATH,
          "issuer, one revocation at a time",
          alone,
          issuer,
          true,
          i ->
              record(
                  Topics.REVOCATION_FAST_PATH,
                  RealisticRecords.feedKey(jtis.get(i)),
                  records.revocation(jtis.get(i), records.uuid())));
      measureTransactional(
          Topics.SECURITY_ALERTS,
          "anomaly detector, exactly-once, one alert per transaction",
          Math.min(n, 1_000),
          transactional,
          1,
          i -> {
            var alert = records.alert(jtis.get(i));
            return record(Topics.SECURITY_ALERTS, alert.getSubject().toString(), alert);
          });
      measure(
          Topics.VALIDATOR_STATUS,
          "validator status reporter, every 5 s, 5 revocations applied since the last",
          alone,
          plain,
          true,
          i -> {
            String validator = "orders-gateway-" + (i % 50);
            return record(Topics.VALIDATOR_STATUS, validator, records.status(validator, i / 50, 5));
          });
      measure(
          Topics.AUDIT_CHECKPOINTS,
          "audit sink, one signed checkpoint at a time (12 chains)",
          checkpoints.size(),
          plain,
          true,
          i -> {
            AuditCheckpoint checkpoint = checkpoints.get(i);
            return record(Topics.AUDIT_CHECKPOINTS, checkpoint.getKeyId().toString(), checkpoint);
          });
      signals(Math.min(n, 5_000), jtis, keysDir);
    }
  }

  /** SETs as the transmitter writes them: one per revocation per stream, signed, with headers. */
  private void signals(int n, List<String> jtis, Path keysDir) throws Exception {
    Files.createDirectories(keysDir);
    SigningKeys keys = SigningKeys.open(keysDir, SigningAlgorithm.EDDSA, Clock.systemUTC());
    SetSigner signer = new SetSigner(keys, SSF_ISSUER, Clock.systemUTC(), Duration.ofMinutes(5));
    RevocationSignals signals = new RevocationSignals(SSF_ISSUER, true);
    Instant now = Instant.now();
    SignalStream stream =
        new SignalStream(
            "9f1c2a4e-58b3-4c1d-9a57-2f0e6b1d3c88",
            "partner-idp",
            "https://partner.example.com",
            DeliveryMethod.PUSH,
            URI.create("https://partner.example.com/ssf/events"),
            "Bearer secret",
            EnumSet.allOf(EventType.class),
            StreamStatus.ENABLED,
            null,
            "revocations for partner-idp",
            Set.of(),
            now,
            now);
    // As TransmitterWiring.producerSettings: idempotent, acks=all, the client's other defaults.
    Map<String, Object> settings = idempotent("tokenwatch-ssf-transmitter");
    long[] sets = {0};
    try (Producer<String, byte[]> producer = producer(settings)) {
      measure(
          Topics.SIGNAL_EVENTS,
          "SSF transmitter, signed SETs (EdDSA) with jti and stream headers",
          n,
          producer,
          false,
          i -> {
            Revocation revocation = records.revocation(jtis.get(i), records.uuid());
            List<SecurityEvent> events = signals.eventsFor(revocation, stream);
            SecurityEvent event = events.get(0);
            sets[0] += events.size();
            String set = signer.sign(stream.audience(), event);
            RecordHeaders headers = new RecordHeaders();
            headers.add(KafkaEventOutbox.JTI_HEADER, event.jti().getBytes(StandardCharsets.UTF_8));
            headers.add(
                KafkaEventOutbox.STREAM_HEADER, stream.streamId().getBytes(StandardCharsets.UTF_8));
            return new ProducerRecord<>(
                Topics.SIGNAL_EVENTS.name(),
                null,
                stream.streamId(),
                set.getBytes(StandardCharsets.UTF_8),
                headers);
          });
    }
    Row last = rows.remove(rows.size() - 1);
    rows.add(
        new Row(
            last.topic(),
            last.writer(),
            last.records(),
            last.keyValueBytes(),
            last.headerBytes(),
            last.diskBytes(),
            String.format(
                "%.2f SETs per token revocation per stream (one written per row)",
                (double) sets[0] / n)));
  }

  private void measure(
      Topic<?, ?> topic,
      String writer,
      int count,
      Producer<String, byte[]> producer,
      boolean oneAtATime,
      IntFunction<ProducerRecord<String, byte[]>> next)
      throws Exception {
    long before = LogSizes.of(admin, topic.name());
    long keyValue = 0;
    long headers = 0;
    List<Future<?>> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ProducerRecord<String, byte[]> record = next.apply(i);
      keyValue += keyValueBytes(record);
      headers += headerBytes(record);
      Future<?> future = producer.send(record);
      if (oneAtATime) {
        future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        sent.add(future);
      }
    }
    producer.flush();
    for (Future<?> future : sent) {
      future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
    long after = LogSizes.of(admin, topic.name());
    rows.add(
        new Row(
            topic.name(),
            writer,
            count,
            (double) keyValue / count,
            (double) headers / count,
            (double) (after - before) / count,
            oneAtATime ? "one record per batch" : "batched"));
  }

  private void measureTransactional(
      Topic<?, ?> topic,
      String writer,
      int count,
      Producer<String, byte[]> producer,
      int perTransaction,
      IntFunction<ProducerRecord<String, byte[]>> next)
      throws Exception {
    long before = LogSizes.of(admin, topic.name());
    long keyValue = 0;
    for (int i = 0; i < count; i++) {
      ProducerRecord<String, byte[]> record = next.apply(i);
      keyValue += keyValueBytes(record);
      if (i % perTransaction == 0) {
        producer.beginTransaction();
      }
      var unused = producer.send(record);
      if (i % perTransaction == perTransaction - 1 || i == count - 1) {
        producer.commitTransaction();
      }
    }
    long after = LogSizes.of(admin, topic.name());
    rows.add(
        new Row(
            topic.name(),
            writer,
            count,
            (double) keyValue / count,
            0,
            (double) (after - before) / count,
            perTransaction == 1
                ? "record batch + commit marker"
                : "batched, " + perTransaction + " a transaction"));
  }

  private <V extends SpecificRecord> ProducerRecord<String, byte[]> record(
      Topic<String, V> topic, String key, V value) {
    Serializer<V> serializer =
        AvroSerdes.specific(topic.valueType(), registry, serdes, false).serializer();
    return new ProducerRecord<>(topic.name(), key, serializer.serialize(topic.name(), value));
  }

  /**
   * Tombstones as the revocation stream writes them once a revocation's tokens have expired, many
   * in one transaction (its expiry punctuator's); measured after the stream's run, so its global
   * store never sees them. A fresh validator reads them until {@code delete.retention.ms}.
   */
  private void tombstones(int n) throws Exception {
    Map<String, Object> settings = streamsSettings();
    settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "unit-costs-tombstones");
    settings.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-revocation-stream-producer");
    try (Producer<String, byte[]> producer = producer(settings)) {
      producer.initTransactions();
      measureTransactional(
          Topics.REVOCATIONS,
          "revocation stream, tombstones of expired revocations (exactly-once)",
          n,
          producer,
          1_000,
          i -> tombstone(RealisticRecords.feedKey(records.uuid())));
    }
  }

  @SuppressWarnings("NullAway") // a tombstone: the null value is the point
  private static ProducerRecord<String, byte[]> tombstone(String key) {
    return new ProducerRecord<>(Topics.REVOCATIONS.name(), key, null);
  }

  // --- 2. the revocation stream's state ----------------------------------------------------------

  private Map<String, Double> streamState(Path dir, int tokens) throws Exception {
    String appId = "unit-costs-revocation";
    Path stateDir = dir.resolve("state");
    Map<String, Object> config = new HashMap<>();
    config.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.putAll(platform.schemaRegistryClientSettings());
    config.put(RevocationStreamConfig.APPLICATION_ID, appId);
    config.put(RevocationStreamConfig.STATE_DIR, stateDir.toString());
    config.put(RevocationStreamConfig.HTTP_PORT, 0);
    int revoked = Math.max(1, tokens / 10);
    long feedBefore = LogSizes.of(admin, Topics.REVOCATIONS.name());
    long feedOffsetsBefore = endOffsets(Set.of(Topics.REVOCATIONS.name()));
    long started = System.nanoTime();
    try (RevocationStreamApp app = RevocationStreamApp.start(config);
        Producer<String, byte[]> issuer =
            KafkaEventLog.producer(
                KafkaEventLog.producerConfig(platform.bootstrapServers(), TIMEOUT));
        Producer<String, byte[]> usage = producer(usageReporterSettings())) {
      while (!app.isRunning()) {
        TimeUnit.MILLISECONDS.sleep(100); // a harness poll, not a test wait
      }
      List<String> jtis = new ArrayList<>(tokens);
      for (int i = 0; i < tokens; i++) {
        String jti = records.uuid();
        jtis.add(jti);
        var unused = issuer.send(record(Topics.TOKEN_ISSUED, jti, records.issued(jti)));
      }
      issuer.flush();
      for (int i = 0; i < tokens; i++) {
        String jti = jtis.get(i);
        var unused = usage.send(record(Topics.TOKEN_USED, jti, records.used(jti, 1)));
      }
      usage.flush();
      for (int i = 0; i < revoked; i++) {
        String jti = jtis.get(i * 10 % tokens);
        var unused =
            issuer.send(
                record(
                    Topics.REVOCATION_REQUESTS,
                    RealisticRecords.feedKey(jti),
                    records.requested(jti)));
      }
      issuer.flush();
      awaitProcessed(appId, feedOffsetsBefore + revoked);
    }
    out.printf(
        "revocation stream: %,d tokens, %,d uses, %,d revocations processed and the app closed in"
            + " %.1f s%n",
        tokens, tokens, revoked, (System.nanoTime() - started) / 1e9);

    Map<String, Double> result = new LinkedHashMap<>();
    Map<String, long[]> stores = storeBytes(stateDir);
    Map<String, Long> changelogs =
        LogSizes.of(admin, topic -> topic.startsWith(appId + "-") && topic.endsWith("-changelog"));
    Map<String, Long> repartitions =
        LogSizes.of(
            admin, topic -> topic.startsWith(appId + "-") && topic.endsWith("-repartition"));
    long tokenStateFiles = 0;
    long tokenStateSst = 0;
    long tokenChangelogs = 0;
    for (String store :
        List.of(
            RevocationTopology.TOKEN_REGISTRY,
            RevocationTopology.USAGE_COUNTS,
            RevocationTopology.TOKEN_EXPIRY_INDEX)) {
      long[] bytes = stores.getOrDefault(store, new long[2]);
      long changelog = changelogs.getOrDefault(appId + "-" + store + "-changelog", 0L);
      tokenStateFiles += bytes[0];
      tokenStateSst += bytes[1];
      tokenChangelogs += changelog;
      result.put("state " + store + ": files B/token", (double) bytes[0] / tokens);
      result.put("state " + store + ": SST B/token", (double) bytes[1] / tokens);
      result.put("changelog " + store + ": B/token", (double) changelog / tokens);
    }
    result.put("state per live token (3 stores): files B", (double) tokenStateFiles / tokens);
    result.put("state per live token (3 stores): SST B", (double) tokenStateSst / tokens);
    result.put("changelog per live token (3 stores): B", (double) tokenChangelogs / tokens);
    for (String store :
        List.of(RevocationTopology.LIVE_TOKEN_REVOCATIONS, RevocationTopology.REVOCATION_FEED)) {
      long[] bytes = stores.getOrDefault(store, new long[2]);
      long changelog = changelogs.getOrDefault(appId + "-" + store + "-changelog", 0L);
      result.put("state " + store + ": files B/revocation", (double) bytes[0] / revoked);
      result.put("state " + store + ": SST B/revocation", (double) bytes[1] / revoked);
      if (!RevocationTopology.REVOCATION_FEED.equals(store)) {
        result.put("changelog " + store + ": B/revocation", (double) changelog / revoked);
      }
    }
    long repartition = repartitions.values().stream().mapToLong(Long::longValue).sum();
    result.put("repartition topics: B/revocation request", (double) repartition / revoked);
    long feed = LogSizes.of(admin, Topics.REVOCATIONS.name()) - feedBefore;
    result.put(
        "feed (tokenwatch.revocations) on disk, as written: B/revocation", (double) feed / revoked);
    long[] readBack = readFeed();
    result.put(
        "feed read back, key + value: B/live revocation",
        readBack[0] == 0 ? 0 : (double) readBack[1] / readBack[0]);
    result.put(
        "state directory total (all stores, RocksDB logs and options): B/token",
        (double) stores.values().stream().mapToLong(b -> b[0]).sum() / tokens);
    out.printf("changelog topics: %s%nrepartition topics: %s%n", changelogs, repartitions);
    return result;
  }

  /** Waits until the app has read its inputs to their ends and the feed holds what it should. */
  private void awaitProcessed(String appId, long feedRecords) throws Exception {
    Set<String> inputs =
        Set.of(
            Topics.TOKEN_ISSUED.name(),
            Topics.TOKEN_USED.name(),
            Topics.REVOCATION_REQUESTS.name());
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    long lastFeed = -1;
    int stable = 0;
    while (System.nanoTime() < deadline) {
      long committed = committed(appId, inputs);
      long ends = endOffsets(inputs);
      long feed = endOffsets(Set.of(Topics.REVOCATIONS.name()));
      stable = feed == lastFeed ? stable + 1 : 0;
      lastFeed = feed;
      // The feed's end offset counts its records and the transactions' commit markers.
      if (committed >= ends && feed >= feedRecords && stable >= 4) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(500); // a harness poll, not a test wait
    }
    throw new IllegalStateException("the revocation stream did not process its input in time");
  }

  private long committed(String group, Set<String> topics) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    long sum = 0;
    for (var entry : offsets.entrySet()) {
      if (topics.contains(entry.getKey().topic()) && entry.getValue() != null) {
        sum += entry.getValue().offset();
      }
    }
    return sum;
  }

  private long endOffsets(Set<String> topics) throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (var description : admin.describeTopics(topics).allTopicNames().get().values()) {
      for (var partition : description.partitions()) {
        request.put(
            new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest());
      }
    }
    long sum = 0;
    for (var info : admin.listOffsets(request).all().get().values()) {
      sum += info.offset();
    }
    return sum;
  }

  /**
   * Live records on the feed (latest per key, tombstones excluded), their key + value bytes, and
   * every record read (tombstones and older records of a key included).
   */
  private long[] readFeed() throws Exception {
    Map<String, Object> settings = new HashMap<>();
    settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
    settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, Integer> latest = new HashMap<>();
    long read = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (var info : consumer.partitionsFor(Topics.REVOCATIONS.name())) {
        partitions.add(new TopicPartition(info.topic(), info.partition()));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (System.nanoTime() < deadline
          && partitions.stream().anyMatch(p -> consumer.position(p) < ends.getOrDefault(p, 0L))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          read++;
          String key = new String(record.key(), StandardCharsets.UTF_8);
          if (record.value() == null) {
            latest.remove(key);
          } else {
            latest.put(key, record.key().length + record.value().length);
          }
        }
      }
    }
    return new long[] {
      latest.size(), latest.values().stream().mapToLong(Integer::longValue).sum(), read
    };
  }

  /** Per store name: bytes of all its files, and of its SST files, over every task. */
  private static Map<String, long[]> storeBytes(Path stateDir) throws IOException {
    Map<String, long[]> bytes = new TreeMap<>();
    try (Stream<Path> files = Files.walk(stateDir)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String store = storeOf(stateDir.relativize(file));
        if (store == null) {
          continue;
        }
        long size = Files.size(file);
        long[] sum = bytes.computeIfAbsent(store, s -> new long[2]);
        sum[0] += size;
        if (file.getFileName().toString().endsWith(".sst")) {
          sum[1] += size;
        }
      }
    }
    return bytes;
  }

  /** The store a file belongs to: the directory after {@code rocksdb} in its path. */
  private static @Nullable String storeOf(Path relative) {
    for (int i = 0; i < relative.getNameCount() - 1; i++) {
      if (relative.getName(i).toString().equals("rocksdb")) {
        return relative.getName(i + 1).toString();
      }
    }
    return null;
  }

  // --- 3. the audit store ------------------------------------------------------------------------

  private static Map<String, Double> auditStore(
      Path dir, int events, List<AuditCheckpoint> checkpoints) throws IOException {
    Files.createDirectories(dir);
    var keys = KeyFiles.loadOrCreate(dir);
    CheckpointSigner signer = new CheckpointSigner(keys);
    String publicKey =
        Base64.getUrlEncoder().withoutPadding().encodeToString(keys.getPublic().getEncoded());
    Path file = dir.resolve("audit.duckdb");
    RealisticRecords records = new RealisticRecords(7, Instant.now());
    long[] offsets = new long[AUDIT_PARTITIONS * 2];
    int half = events / 2;
    long started = System.nanoTime();
    append(file, records, offsets, 0, half, signer, publicKey, checkpoints);
    long sizeHalf = fileBytes(dir);
    append(file, records, offsets, half, events, signer, publicKey, checkpoints);
    long sizeAll = fileBytes(dir);
    out.printf(
        "audit store: %,d events stored in %.1f s; file %,d bytes after %,d, %,d after %,d%n",
        events, (System.nanoTime() - started) / 1e9, sizeHalf, half, sizeAll, events);
    Map<String, Double> result = new LinkedHashMap<>();
    result.put("audit store, whole file: B/event", (double) sizeAll / events);
    result.put(
        "audit store, marginal (second half): B/event",
        (double) (sizeAll - sizeHalf) / (events - half));
    return result;
  }

  private static void append(
      Path file,
      RealisticRecords records,
      long[] offsets,
      int from,
      int to,
      CheckpointSigner signer,
      String publicKey,
      List<AuditCheckpoint> checkpoints) {
    int batch = 20_000;
    try (AuditStore store = AuditStore.openReadWrite(file)) {
      List<AuditEvent> pending = new ArrayList<>(batch);
      Map<ChainKey, Long> next = new HashMap<>();
      for (int i = from; i < to; i++) {
        boolean issuance = i % 10 == 0;
        int partition = (i / 10) % AUDIT_PARTITIONS;
        int slot = issuance ? partition : AUDIT_PARTITIONS + partition;
        long offset = offsets[slot]++;
        String jti = "tok-" + (i / 10);
        AuditEvent event =
            issuance
                ? EventMapper.map(
                    records.issued(jti), Topics.TOKEN_ISSUED.name(), partition, offset)
                : EventMapper.map(
                    records.used(jti, i % 10), Topics.TOKEN_USED.name(), partition, offset);
        pending.add(event);
        next.put(event.chain(), offset + 1);
        if (pending.size() == batch || i == to - 1) {
          var unused = store.append(pending, next);
          pending.clear();
          next.clear();
          store
              .checkpoint(signer, System.currentTimeMillis())
              .ifPresent(checkpoint -> checkpoints.add(CheckpointEvents.of(checkpoint, publicKey)));
        }
      }
    }
  }

  private static long fileBytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      long sum = 0;
      for (Path file : (Iterable<Path>) files::iterator) {
        if (file.getFileName().toString().startsWith("audit.duckdb")) {
          sum += Files.size(file);
        }
      }
      return sum;
    }
  }

  // --- output ------------------------------------------------------------------------------------

  private void print(Map<String, Double> state, Map<String, Double> audit) {
    out.println();
    out.println("## Broker disk per record (one replica), by topic and writer");
    out.println();
    out.println(
        "| topic | writer | records | key + value (B) | headers (B) | on disk (B/record) | batching |");
    out.println("|---|---|---|---|---|---|---|");
    for (Row row : rows) {
      out.printf(
          "| `%s` | %s | %,d | %.1f | %.1f | %.1f | %s |%n",
          row.topic(),
          row.writer(),
          row.records(),
          row.keyValueBytes(),
          row.headerBytes(),
          row.diskBytes(),
          row.note());
    }
    out.println();
    out.println("## Revocation stream state and feed");
    out.println();
    out.println("| what | bytes |");
    out.println("|---|---|");
    state.forEach((what, bytes) -> out.printf("| %s | %.1f |%n", what, bytes));
    out.println();
    out.println("## Audit store (DuckDB)");
    out.println();
    out.println("| what | bytes |");
    out.println("|---|---|");
    audit.forEach((what, bytes) -> out.printf("| %s | %.1f |%n", what, bytes));
  }

  // --- producers ---------------------------------------------------------------------------------

  private Map<String, Object> idempotent(String clientId) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    return config;
  }

  /** What {@code UsageReporter} sets unless told otherwise. */
  private Map<String, Object> usageReporterSettings() {
    Map<String, Object> config = idempotent("tokenwatch-validator-usage");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return config;
  }

  /** A Streams app's producer under exactly-once v2: transactional, Streams' linger of 100 ms. */
  private Map<String, Object> streamsSettings() {
    Map<String, Object> config = idempotent("tokenwatch-anomaly-detector-producer");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 100);
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "unit-costs-alerts");
    return config;
  }

  private static Producer<String, byte[]> producer(Map<String, Object> config) {
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  private static long keyValueBytes(ProducerRecord<String, byte[]> record) {
    long key = record.key() == null ? 0 : record.key().getBytes(StandardCharsets.UTF_8).length;
    return key + (record.value() == null ? 0 : record.value().length);
  }

  private static long headerBytes(ProducerRecord<String, byte[]> record) {
    long bytes = 0;
    for (Header header : record.headers()) {
      bytes += header.key().getBytes(StandardCharsets.UTF_8).length + header.value().length;
    }
    return bytes;
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(UnitCosts::delete);
    } catch (IOException e) {
      out.printf("could not delete %s: %s%n", dir, e);
    }
  }

  private static void delete(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      out.printf("could not delete %s: %s%n", path, e);
    }
  }
}
