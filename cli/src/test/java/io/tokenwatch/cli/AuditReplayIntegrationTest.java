package io.tokenwatch.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.kafka.EventMapper;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.embedded.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.fixtures.TestEvents;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tokenwatch audit replay} on a real broker: the target topic is created (or the refusal
 * reported), a replay always ends with a summary or a one-line error and a non-zero exit code, and
 * a schema registry that cannot be reached or does not answer fails the replay instead of turning
 * every event into an {@code undecodable} line.
 */
@Tag("integration")
@KafkaIntegrationTest
class AuditReplayIntegrationTest {

  /**
   * Each test writes its events into its own hour, later than every earlier test's (in this run and
   * in any earlier run on the same cluster), ten years back: a replay from Kafka of that hour
   * starts at its first event and stops at the next hour's, whatever else the shared topics hold.
   */
  private static final AtomicInteger HOURS = new AtomicInteger();

  private static Instant base = Instant.EPOCH;

  @TempDir Path dir;
  private TestCluster cluster;
  private Instant hour;

  @BeforeAll
  static void tenYearsBack() {
    base = Instant.now().minus(3650, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS);
  }

  @BeforeEach
  void catalogueTopics(TestCluster cluster) throws Exception {
    this.cluster = cluster;
    this.hour = base.plus(HOURS.incrementAndGet(), ChronoUnit.HOURS);
    // The catalogue as the services make it (compacted topics compacted, schemas registered):
    // other tests of this module share the cluster and start services that check it.
    TopicEnsurer.ensureCatalogue(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
        new HttpSchemaRegistryClient(
            SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()))
                .registrySettings()));
  }

  private record Answer(int exit, String out, String err) {}

  private static Answer run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Answer(exit, out.toString(), err.toString());
  }

  private String from() {
    return hour.toString();
  }

  private String to() {
    return hour.plus(1, ChronoUnit.HOURS).toString();
  }

  /** Three events in this test's hour: an issuance and two uses. */
  private List<SpecificRecord> events() {
    String jti = "tok-" + UUID.randomUUID();
    return List.of(
        TestEvents.issued(jti, hour.plusSeconds(1)).build(),
        TestEvents.used(jti, hour.plusSeconds(2), null).build(),
        TestEvents.used(jti, hour.plusSeconds(3), null).build());
  }

  private static String topicOf(SpecificRecord event) {
    return event instanceof TokenIssued ? Topics.TOKEN_ISSUED.name() : Topics.TOKEN_USED.name();
  }

  private static Instant occurredAt(SpecificRecord event) {
    return event instanceof TokenIssued issued
        ? issued.getOccurredAt()
        : ((TokenUsed) event).getOccurredAt();
  }

  /**
   * Writes the events to their catalogue topics, stamped with their times, registering their
   * schemas as the live producers do; {@code extra} raw values go to token-used after them.
   */
  private void produce(List<SpecificRecord> events, byte[]... extra) throws Exception {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    Serializer<GenericRecord> values =
        AvroSerdes.generic(new HttpSchemaRegistryClient(serde.registrySettings()), serde, false)
            .serializer();
    try (KafkaProducer<byte[], byte[]> producer = producer(cluster.bootstrapServers())) {
      for (SpecificRecord event : events) {
        String topic = topicOf(event);
        producer
            .send(
                new ProducerRecord<>(
                    topic,
                    null,
                    occurredAt(event).toEpochMilli(),
                    null,
                    values.serialize(topic, (GenericRecord) event)))
            .get();
      }
      for (byte[] value : extra) {
        producer
            .send(
                new ProducerRecord<>(
                    Topics.TOKEN_USED.name(),
                    null,
                    hour.plusSeconds(10).toEpochMilli(),
                    null,
                    value))
            .get();
      }
    }
  }

  /** Stores the events as the sink would, and returns the store file. */
  private Path store(List<SpecificRecord> events) {
    Path db = dir.resolve("audit.duckdb");
    List<AuditEvent> stored = new ArrayList<>();
    Map<ChainKey, Long> next = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      AuditEvent event =
          EventMapper.map((GenericRecord) events.get(i), topicOf(events.get(i)), 0, i);
      stored.add(event);
      next.merge(event.chain(), event.sourceOffset() + 1, Math::max);
    }
    try (AuditStore store = AuditStore.openReadWrite(db)) {
      store.append(stored, next);
    }
    return db;
  }

  @Test
  void shouldCreateTheTargetTopicAndReplayTheStoreIntoIt() throws Exception {
    List<SpecificRecord> events = events();
    produce(events); // registers the catalogue schemas the replay looks up
    Path db = store(events);
    String target = "incident-" + UUID.randomUUID();

    Answer replay =
        run(
            "audit",
            "replay",
            "--db",
            db.toString(),
            "--to-topic",
            target,
            "--bootstrap-servers",
            cluster.bootstrapServers(),
            "--schema-registry-url",
            cluster.schemaRegistryUrl());

    assertThat(replay.exit()).as(replay.err()).isZero();
    assertThat(replay.err())
        .isEqualTo(
            "replayed 3 events to topic " + target + " (created: 1 partition, retention.ms=-1)\n");
    assertThat(retention(target)).isEqualTo("-1");
    assertThat(read(target, 3))
        .extracting(ConsumerRecord::timestamp)
        .containsExactly(
            hour.plusSeconds(1).toEpochMilli(),
            hour.plusSeconds(2).toEpochMilli(),
            hour.plusSeconds(3).toEpochMilli());

    // again into the same topic: used as it is, and said so
    Answer again =
        run(
            "audit",
            "replay",
            "--db",
            db.toString(),
            "--to-topic",
            target,
            "--bootstrap-servers",
            cluster.bootstrapServers(),
            "--schema-registry-url",
            cluster.schemaRegistryUrl());
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.err())
        .isEqualTo("replayed 3 events to topic " + target + " (existing topic, 1 partition)\n");
    assertThat(read(target, 6)).hasSize(6);
  }

  @Test
  void shouldCreateTheTargetTopicAndReplayKafkaIntoIt() throws Exception {
    List<SpecificRecord> events = events();
    produce(events);
    String target = "incident-" + UUID.randomUUID();

    Answer replay =
        run(
            "audit",
            "replay",
            "--source",
            "kafka",
            "--from",
            from(),
            "--to",
            to(),
            "--to-topic",
            target,
            "--bootstrap-servers",
            cluster.bootstrapServers(),
            "--schema-registry-url",
            cluster.schemaRegistryUrl());

    assertThat(replay.exit()).as(replay.err()).isZero();
    assertThat(replay.err())
        .isEqualTo(
            "replayed 3 events to topic " + target + " (created: 1 partition, retention.ms=-1)\n");
    assertThat(retention(target)).isEqualTo("-1");
    assertThat(read(target, 3))
        .extracting(ConsumerRecord::timestamp)
        .containsExactlyInAnyOrder(
            hour.plusSeconds(1).toEpochMilli(),
            hour.plusSeconds(2).toEpochMilli(),
            hour.plusSeconds(3).toEpochMilli());
  }

  @Test
  void shouldRefuseWithAClearErrorWhenTheClusterWillNotCreateTheTopic() throws Exception {
    List<SpecificRecord> events = events();
    Path db = store(events);
    try (EmbeddedKafkaBroker locked =
        EmbeddedKafkaBroker.builder(dir.resolve("locked-broker"))
            .property("create.topic.policy.class.name", RefuseEveryTopic.class.getName())
            .build()
            .start()) {
      Answer replay =
          run(
              "audit",
              "replay",
              "--db",
              db.toString(),
              "--to-topic",
              "incident-42",
              "--bootstrap-servers",
              locked.bootstrapServers(),
              "--schema-registry-url",
              cluster.schemaRegistryUrl());

      assertThat(replay.exit()).isEqualTo(1);
      assertThat(replay.err().lines())
          .singleElement()
          .asString()
          .startsWith(
              "tokenwatch replay: Kafka at "
                  + locked.bootstrapServers()
                  + ": the cluster refused to create topic incident-42: ")
          .contains("topic creation is reserved to the platform team");
    }
  }

  @Test
  void shouldPrintEveryEventAndReportOnlyTheTrulyUndecodableOnesAsSuch() throws Exception {
    List<SpecificRecord> events = events();
    byte[] notAvro = "not avro".getBytes(UTF_8);
    // Confluent framing naming a schema id the registry does not hold
    byte[] unknownSchema = {0, 0x7f, 0x7f, 0x7f, 0x7f, 1, 2, 3};
    produce(events, notAvro, unknownSchema);

    Answer replay =
        run(
            "audit",
            "replay",
            "--source",
            "kafka",
            "--from",
            from(),
            "--to",
            to(),
            "--bootstrap-servers",
            cluster.bootstrapServers(),
            "--schema-registry-url",
            cluster.schemaRegistryUrl());

    assertThat(replay.exit()).as(replay.err()).isZero();
    List<String> lines = replay.out().lines().toList();
    assertThat(lines).hasSize(5);
    assertThat(lines).filteredOn(l -> l.contains("\"type\":\"undecodable\"")).hasSize(2);
    assertThat(lines).filteredOn(l -> l.contains("\"type\":\"TokenUsed\"")).hasSize(2);
    assertThat(lines).filteredOn(l -> l.contains("\"type\":\"TokenIssued\"")).hasSize(1);
    assertThat(replay.err()).isEqualTo("replayed 5 events to stdout\n");
  }

  @Test
  void shouldFailClearlyWhenNoSchemaRegistryIsReachable() throws Exception {
    produce(events());
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    String registry = "http://localhost:" + closedPort;

    Answer replay =
        run(
            "audit",
            "replay",
            "--source",
            "kafka",
            "--from",
            from(),
            "--to",
            to(),
            "--bootstrap-servers",
            cluster.bootstrapServers(),
            "--schema-registry-url",
            registry);

    assertThat(replay.exit()).isEqualTo(1);
    assertThat(replay.out()).doesNotContain("undecodable");
    assertThat(replay.err().lines())
        .singleElement()
        .asString()
        .startsWith("tokenwatch replay: schema registry at " + registry + ": ")
        .contains("no schema registry reachable");
  }

  @Test
  void shouldFailClearlyWhenTheSchemaRegistryNeverAnswers() throws Exception {
    produce(events());
    try (SilentServer registry = new SilentServer()) {
      Answer replay =
          run(
              "audit",
              "replay",
              "--source",
              "kafka",
              "--from",
              from(),
              "--to",
              to(),
              "--bootstrap-servers",
              cluster.bootstrapServers(),
              "--schema-registry-url",
              registry.url(),
              "--timeout",
              "PT1S");

      assertThat(replay.exit()).isEqualTo(1);
      assertThat(registry.wasCalled()).isTrue();
      assertThat(replay.out()).doesNotContain("undecodable");
      assertThat(replay.err().lines())
          .singleElement()
          .asString()
          .startsWith("tokenwatch replay: schema registry at " + registry.url() + ": ")
          .containsIgnoringCase("timed out");
    }
  }

  @Test
  void shouldFailClearlyWhenKafkaNeverAnswers() throws Exception {
    try (SilentServer kafka = new SilentServer()) {
      Answer replay =
          run(
              "audit",
              "replay",
              "--source",
              "kafka",
              "--bootstrap-servers",
              kafka.hostPort(),
              "--schema-registry-url",
              cluster.schemaRegistryUrl(),
              "--timeout",
              "PT1S");

      assertThat(replay.exit()).isEqualTo(1);
      assertThat(kafka.wasCalled()).isTrue();
      assertThat(replay.err().lines())
          .singleElement()
          .asString()
          .startsWith(
              "tokenwatch replay: Kafka at " + kafka.hostPort() + " did not answer within PT1S");
    }
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private String retention(String topic) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try (Admin admin = admin(cluster.bootstrapServers())) {
      return admin
          .describeConfigs(List.of(resource))
          .all()
          .get()
          .get(resource)
          .get(TopicConfig.RETENTION_MS_CONFIG)
          .value();
    }
  }

  private List<ConsumerRecord<byte[], byte[]>> read(String topic, int expected) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      assertThat(end).isEqualTo(expected);
      while (consumer.position(partition) < end) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }
}
