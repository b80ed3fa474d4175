package io.tokenwatch.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@Tag("integration")
class EmbeddedKafkaBrokerIntegrationTest {
  private static final Logger log =
      LoggerFactory.getLogger(EmbeddedKafkaBrokerIntegrationTest.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path sharedDir;
  private static EmbeddedKafkaBroker shared;

  @TempDir Path dir;

  @BeforeAll
  static void startSharedBroker() {
    shared = EmbeddedKafkaBroker.builder(sharedDir).build().start();
    log.info("shared broker started in {} ms", shared.startupDuration().toMillis());
  }

  @AfterAll
  static void stopSharedBroker() {
    shared.close();
    log.info("shared broker stopped in {} ms", shared.shutdownDuration().toMillis());
  }

  @Test
  void shouldProduceAndConsumeWithStockClients() throws Exception {
    try (Admin admin = admin(shared)) {
      admin
          .createTopics(List.of(new NewTopic("plain", 2, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      // A new topic reaches the broker's metadata cache shortly after creation returns.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                      .contains("plain"));
    }
    try (KafkaProducer<String, String> producer = producer(shared, Map.of())) {
      producer.send(new ProducerRecord<>("plain", "k1", "v1")).get(30, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>("plain", "k2", "v2")).get(30, TimeUnit.SECONDS);
    }

    assertThat(consumeAll(shared, "plain", "read_uncommitted", 2))
        .extracting(ConsumerRecord::value)
        .containsExactlyInAnyOrder("v1", "v2");
  }

  @Test
  void shouldNotAutoCreateTopics() throws Exception {
    try (Admin admin = admin(shared)) {
      Set<String> before = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      assertThat(before).doesNotContain("never-created");
    }
    Map<String, Object> fastFail = Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
    try (KafkaProducer<String, String> producer = producer(shared, fastFail)) {
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>("never-created", "k", "v")).get())
          .hasMessageContaining("never-created");
    }
  }

  @Test
  void shouldShowOnlyCommittedTransactionsToReadCommittedConsumers() throws Exception {
    try (Admin admin = admin(shared)) {
      admin.createTopics(List.of(new NewTopic("tx", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    Map<String, Object> transactional = Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test");
    try (KafkaProducer<String, String> producer = producer(shared, transactional)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("tx", "k", "aborted")).get(30, TimeUnit.SECONDS);
      producer.abortTransaction();
      producer.beginTransaction();
      Future<RecordMetadata> first = producer.send(new ProducerRecord<>("tx", "k", "committed-1"));
      Future<RecordMetadata> second = producer.send(new ProducerRecord<>("tx", "k", "committed-2"));
      producer.commitTransaction();
      assertThat(first.get(30, TimeUnit.SECONDS).offset())
          .isLessThan(second.get(30, TimeUnit.SECONDS).offset());
    }

    assertThat(consumeAll(shared, "tx", "read_committed", 2))
        .extracting(ConsumerRecord::value)
        .containsExactly("committed-1", "committed-2");
  }

  @Test
  void shouldKeepTopicsRecordsAndClusterIdAcrossRestart() throws Exception {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dir).build();
    String clusterId;
    try (broker) {
      broker.start();
      clusterId = broker.clusterId();
      try (Admin admin = admin(broker)) {
        admin
            .createTopics(List.of(new NewTopic("kept", 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      try (KafkaProducer<String, String> producer = producer(broker, Map.of())) {
        producer
            .send(new ProducerRecord<>("kept", "k", "before-restart"))
            .get(30, TimeUnit.SECONDS);
      }
      broker.stop();
      assertThat(broker.isRunning()).isFalse();
      log.info("restart test: stopped in {} ms", broker.shutdownDuration().toMillis());

      broker.start();
      log.info("restart test: restarted in {} ms", broker.startupDuration().toMillis());
      assertThat(broker.clusterId()).isEqualTo(clusterId);
      try (Admin admin = admin(broker)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                        .contains("kept"));
        assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
            .isEqualTo(clusterId);
      }
      assertThat(consumeAll(broker, "kept", "read_committed", 1))
          .extracting(ConsumerRecord::value)
          .containsExactly("before-restart");
    }

    try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.builder(dir).build().start()) {
      assertThat(again.clusterId()).isEqualTo(clusterId);
      assertThat(consumeAll(again, "kept", "read_committed", 1))
          .extracting(ConsumerRecord::value)
          .containsExactly("before-restart");
    }
  }

  @Test
  void shouldChooseWorkingFreePortsForPortZero() throws Exception {
    assertThat(shared.brokerPort()).isPositive();
    assertThat(shared.controllerPort()).isPositive().isNotEqualTo(shared.brokerPort());
    assertThat(shared.bootstrapServers()).isEqualTo("localhost:" + shared.brokerPort());
    try (Admin admin = admin(shared)) {
      assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
          .singleElement()
          .satisfies(node -> assertThat(node.port()).isEqualTo(shared.brokerPort()));
    }
  }

  @Test
  void shouldFailClearlyWhenBrokerPortIsInUse() {
    EmbeddedKafkaBroker second =
        EmbeddedKafkaBroker.builder(dir).brokerPort(shared.brokerPort()).build();

    assertThatThrownBy(second::start)
        .isInstanceOf(EmbeddedKafkaException.class)
        .hasMessageContaining("broker port " + shared.brokerPort())
        .hasMessageContaining("already in use");
    assertThat(second.isRunning()).isFalse();
  }

  @Test
  void shouldFailClearlyWhenControllerPortIsInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("localhost", 0));
      EmbeddedKafkaBroker broker =
          EmbeddedKafkaBroker.builder(dir).controllerPort(taken.getLocalPort()).build();

      assertThatThrownBy(broker::start)
          .isInstanceOf(EmbeddedKafkaException.class)
          .hasMessageContaining("controller port " + taken.getLocalPort())
          .hasMessageContaining("already in use");
    }
  }

  @Test
  void shouldRefuseASecondBrokerOnARunningBrokersDataDir() {
    EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder(sharedDir).build();

    assertThatThrownBy(second::start)
        .isInstanceOf(EmbeddedKafkaException.class)
        .hasMessageContaining("already used by another running broker");
    assertThat(shared.isRunning()).isTrue();
  }

  @Test
  void shouldRejectStartingARunningBroker() {
    assertThatThrownBy(shared::start).isInstanceOf(IllegalStateException.class);
  }

  private static Admin admin(EmbeddedKafkaBroker broker) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
  }

  private static KafkaProducer<String, String> producer(
      EmbeddedKafkaBroker broker, Map<String, Object> extra) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.putAll(extra);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  private static List<ConsumerRecord<String, String>> consumeAll(
      EmbeddedKafkaBroker broker, String topic, String isolation, int expected) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic + "-" + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      // One more poll shows that nothing beyond the expected records (an aborted one) arrives.
      consumer.poll(Duration.ofMillis(500)).forEach(records::add);
    }
    return records;
  }
}
