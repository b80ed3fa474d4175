package io.tokenwatch.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three KRaft nodes in three JVMs: the cluster forms, replicates, survives the SIGKILL of a
 * partition leader without losing an acknowledged record, and takes the node back.
 */
@Tag("integration")
class BrokerClusterIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(BrokerClusterIntegrationTest.class);
  private static final String TOPIC = "replicated";
  private static final int RECORDS = 400;

  @TempDir Path dir;

  @Test
  void shouldKeepEveryAcknowledgedRecordWhenThePartitionLeaderIsKilledAndComeBack()
      throws Exception {
    try (BrokerCluster cluster = BrokerCluster.builder(dir).nodes(3).build().start()) {
      log.info("3-node cluster started in {} ms", cluster.startupDuration().toMillis());
      assertThat(cluster.nodeIds()).containsExactlyInAnyOrder(1, 2, 3);
      assertThat(cluster.nodeIds()).allSatisfy(node -> assertThat(cluster.pid(node)).isPresent());

      try (Admin admin = admin(cluster)) {
        // No replication given: the cluster's defaults, three replicas and two in sync.
        admin
            .createTopics(List.of(new NewTopic(TOPIC, 1, (short) -1)))
            .all()
            .get(30, TimeUnit.SECONDS);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> cluster.leaderOf(new TopicPartition(TOPIC, 0)).isPresent());
        TopicDescription description =
            admin
                .describeTopics(List.of(TOPIC))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(TOPIC);
        assertThat(description.partitions().get(0).replicas()).hasSize(3);
      }

      Set<String> acknowledged = new TreeSet<>();
      int killed;
      try (KafkaProducer<String, String> producer = producer(cluster)) {
        for (int i = 0; i < RECORDS / 2; i++) {
          producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
          acknowledged.add("v" + i);
        }
        killed = cluster.leaderOf(new TopicPartition(TOPIC, 0)).orElseThrow();
        cluster.kill(killed);
        assertThat(cluster.isRunning(killed)).isFalse();
        for (int i = RECORDS / 2; i < RECORDS; i++) {
          producer.send(new ProducerRecord<>(TOPIC, "k" + i, "v" + i)).get(60, TimeUnit.SECONDS);
          acknowledged.add("v" + i);
        }
      }
      assertThat(cluster.leaderOf(new TopicPartition(TOPIC, 0)).orElseThrow()).isNotEqualTo(killed);
      assertThat(readAll(cluster)).containsExactlyElementsOf(acknowledged);

      cluster.restart(killed);
      assertThat(cluster.isRunning(killed)).isTrue();
      // Back as a live broker; the partitions it follows catch up from the new leader.
      assertThat(cluster.leaderOf(new TopicPartition(TOPIC, 0))).isPresent();
    }
  }

  @Test
  void shouldRefuseADataDirectoryOfAnotherCluster() {
    KraftQuorum first = KraftQuorum.of("localhost", Map.of(1, 19_091));
    KraftQuorum second = KraftQuorum.of("localhost", Map.of(1, 19_091));
    // Formatting happens before the node binds or waits for anyone.
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder(dir).member(first, 1).build().start()) {
      assertThat(broker.clusterId()).isEqualTo(first.clusterId());
    }
    EmbeddedKafkaBroker stranger = EmbeddedKafkaBroker.builder(dir).member(second, 1).build();
    assertThatThrownBy(stranger::start)
        .isInstanceOf(EmbeddedKafkaException.class)
        .hasMessageContaining("belongs to cluster " + first.clusterId());
  }

  private static Set<String> readAll(BrokerCluster cluster) {
    Properties settings = new Properties();
    settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Set<String> values = new TreeSet<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(settings, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition partition = new TopicPartition(TOPIC, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      List<String> read = new ArrayList<>();
      while (consumer.position(partition) < end) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
          read.add(record.value());
        }
      }
      assertThat(read).doesNotHaveDuplicates();
      values.addAll(read);
    }
    return values;
  }

  private static KafkaProducer<String, String> producer(BrokerCluster cluster) {
    Properties settings = new Properties();
    settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    settings.put(ProducerConfig.ACKS_CONFIG, "all");
    settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    return new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer());
  }

  private static Admin admin(BrokerCluster cluster) {
    Properties settings = new Properties();
    settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    return Admin.create(settings);
  }
}
