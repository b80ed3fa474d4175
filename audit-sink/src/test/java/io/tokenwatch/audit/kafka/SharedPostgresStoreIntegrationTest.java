package io.tokenwatch.audit.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.ChainFencedException;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.PartitionState;
import io.tokenwatch.audit.store.StoreLocation;
import io.tokenwatch.audit.store.StoreVerifier;
import io.tokenwatch.audit.store.TestPostgres;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two sinks share one PostgreSQL store while events flow: the second starts mid-stream (a
 * rebalance), then the first hangs holding a batch (it stops polling and is dropped from the group)
 * and wakes up later to flush that batch for partitions it no longer owns. Counted against what was
 * produced: every event stored once, every chain whole and verifying, no chain forked.
 */
@Tag("integration")
@KafkaIntegrationTest
class SharedPostgresStoreIntegrationTest {

  private static final int PARTITIONS = 4;
  private static final int EVENTS = 3000;

  @TempDir Path dir;

  @Test
  void shouldStoreEveryEventOnceAcrossTwoSinksARebalanceAndAHungSink(TestCluster cluster)
      throws Exception {
    String topic = "it-shared-store-" + UUID.randomUUID();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
    }
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serde.registrySettings());
    StoreLocation.Postgres location = TestPostgres.shared().newDatabase();
    KeyPair keys = KeyFiles.loadOrCreate(dir);
    String group = "it-shared-" + UUID.randomUUID();

    Map<Integer, AtomicLong> producedPerPartition = new ConcurrentHashMap<>();
    Set<String> producedIds = ConcurrentHashMap.newKeySet();
    Thread producer =
        new Thread(
            () -> produce(cluster, registry, serde, topic, producedIds, producedPerPartition));

    Sink first = new Sink(cluster, registry, serde, location, keys, group, topic, true);
    Sink second = new Sink(cluster, registry, serde, location, keys, group, topic, false);
    try (AuditStore reader = AuditStore.openReadWrite(location)) {
      first.start();
      producer.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> reader.count() >= EVENTS / 4);

      second.start(); // mid-stream: the group rebalances
      await().atMost(Duration.ofSeconds(60)).until(() -> second.stored.get() > 0);

      first.hang(); // holds whatever it polled; dropped from the group after max.poll.interval.ms
      producer.join();
      await().atMost(Duration.ofSeconds(90)).until(() -> reader.count() == EVENTS);

      first.close(); // wakes up: the batch it held is for partitions it lost, and is refused
      second.close();

      assertThat(first.stored.get()).isPositive();
      assertThat(second.stored.get()).isPositive();
      assertThat(first.failures).allMatch(e -> e instanceof ChainFencedException);
      assertThat(second.failures).allMatch(e -> e instanceof ChainFencedException);

      reader.reloadPartitions();
      Map<ChainKey, PartitionState> partitions = reader.partitions();
      for (int p = 0; p < PARTITIONS; p++) {
        long produced = producedPerPartition.getOrDefault(p, new AtomicLong()).get();
        PartitionState state = partitions.get(new ChainKey(topic, p));
        assertThat(state.chainLength()).as("chain of partition %d", p).isEqualTo(produced);
        assertThat(state.nextOffset()).as("position of partition %d", p).isEqualTo(produced);
      }
    }
    assertThat(storedIds(location)).hasSize(EVENTS).isEqualTo(producedIds);
    try (AuditStore store = AuditStore.openReadWrite(location)) {
      store.checkpoint(new CheckpointSigner(keys), System.currentTimeMillis());
      VerificationReport report = StoreVerifier.verify(store, keys.getPublic(), 2);
      assertThat(report.findings()).isEmpty();
      assertThat(report.records()).isEqualTo(EVENTS);
      assertThat(report.chains()).isEqualTo(PARTITIONS);
      assertThat(report.unsealed()).isZero();
    }
  }

  private static void produce(
      TestCluster cluster,
      SchemaRegistryClient registry,
      SerdeConfig serde,
      String topic,
      Set<String> ids,
      Map<Integer, AtomicLong> perPartition) {
    var serializer = AvroSerdes.specific(TokenUsed.class, registry, serde, false).serializer();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (int burst = 0; burst < 60; burst++) {
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < EVENTS / 60; i++) {
          TokenUsed use = SampleEvents.tokenUsed();
          use.setEventId(UUID.randomUUID().toString());
          use.setTokenId("tok-" + (burst * 1000 + i));
          ids.add(use.getEventId());
          sent.add(
              producer.send(
                  new ProducerRecord<>(
                      topic, use.getTokenId().getBytes(UTF_8), serializer.serialize(topic, use))));
        }
        for (var future : sent) {
          perPartition
              .computeIfAbsent(future.get().partition(), p -> new AtomicLong())
              .incrementAndGet();
        }
        Thread.sleep(50); // paces the stream so the sinks rebalance while it flows
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> storedIds(StoreLocation.Postgres location) throws Exception {
    Set<String> ids = new HashSet<>();
    Properties properties = new Properties();
    try (Connection connection = DriverManager.getConnection(location.jdbcUrl(), properties);
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT event_id FROM audit_events")) {
      while (rs.next()) {
        assertThat(ids.add(rs.getString(1))).as("stored once: %s", rs.getString(1)).isTrue();
      }
    }
    return ids;
  }

  /** One sink: its own consumer in the group, its own connection to the shared store. */
  private static final class Sink {
    final AtomicLong stored = new AtomicLong();
    final List<Exception> failures = new CopyOnWriteArrayList<>();
    private final AtomicBoolean hung = new AtomicBoolean();
    private final CountDownLatch woken = new CountDownLatch(1);
    private final AuditStore store;
    private final AuditIngest ingest;
    private final Thread thread;

    Sink(
        TestCluster cluster,
        SchemaRegistryClient registry,
        SerdeConfig serde,
        StoreLocation location,
        KeyPair keys,
        String group,
        String topic,
        boolean mayHang) {
      Map<String, Object> config = new java.util.HashMap<>();
      config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
      config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
      if (mayHang) {
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 6000);
      }
      KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      store = AuditStore.openReadWrite(location);
      ingest =
          new AuditIngest(
              hangable(consumer),
              AvroSerdes.generic(registry, serde, false).deserializer(),
              store,
              new CheckpointSigner(keys),
              null,
              "unused-dead-letters",
              List.of(topic),
              new AuditIngest.Settings(200, Duration.ofMillis(200), 1000, Duration.ofSeconds(1)),
              Clock.systemUTC(),
              new IngestListener() {
                @Override
                public void batchStored(int count, int duplicates, int dead, long nanos) {
                  stored.addAndGet(count);
                }

                @Override
                public void batchFailed(Exception error) {
                  failures.add(error);
                }
              });
      thread = new Thread(ingest, "sink-" + (mayHang ? "first" : "second"));
    }

    void start() {
      thread.start();
    }

    /** From now on the sink's next poll blocks until it is closed, as a hung process would. */
    void hang() {
      hung.set(true);
    }

    void close() throws InterruptedException {
      woken.countDown();
      ingest.close();
      thread.join(30_000);
      store.close();
    }

    @SuppressWarnings("unchecked")
    private Consumer<byte[], byte[]> hangable(Consumer<byte[], byte[]> consumer) {
      return (Consumer<byte[], byte[]>)
          Proxy.newProxyInstance(
              Consumer.class.getClassLoader(),
              new Class<?>[] {Consumer.class},
              (proxy, method, args) -> {
                if (method.getName().equals("poll") && hung.get()) {
                  woken.await();
                  throw new WakeupException();
                }
                if (method.getName().equals("wakeup")) {
                  woken.countDown();
                }
                try {
                  return method.invoke(consumer, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }
  }
}
