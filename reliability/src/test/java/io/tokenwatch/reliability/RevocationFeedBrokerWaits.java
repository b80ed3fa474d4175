package io.tokenwatch.reliability;

import static io.tokenwatch.reliability.RevocationFeedPlatform.BOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.revocation.kafka.RevocationTopology;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Waits on the broker: until the revocation stream has processed its inputs, and until the cleaner
 * has compacted the feed to one record per key.
 */
final class RevocationFeedBrokerWaits {
  private final KafkaPlatform kafka;
  private final AtomicInteger compactions = new AtomicInteger();

  RevocationFeedBrokerWaits(KafkaPlatform kafka) {
    this.kafka = kafka;
  }

  Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
  }

  /**
   * Waits until the stream's group has committed every record of its inputs written so far, then
   * every record its first step wrote to its repartition topics: with exactly-once, its feed
   * records are then visible.
   */
  void settleStream() {
    String group = "tokenwatch-revocation-stream";
    List<String> sources =
        List.of(
            Topics.REVOCATION_REQUESTS.name(),
            Topics.TOKEN_ISSUED.name(),
            Topics.TOKEN_USED.name());
    List<String> repartitions =
        List.of(
            group + "-" + RevocationTopology.TOKEN_REQUESTS_REPARTITION + "-repartition",
            group + "-" + RevocationTopology.SELECTOR_REQUESTS_REPARTITION + "-repartition");
    try (Admin admin = admin()) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      for (List<String> stage : List.of(sources, repartitions)) {
        List<String> topics = stage.stream().filter(existing::contains).toList();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin
            .describeTopics(topics)
            .allTopicNames()
            .get(30, TimeUnit.SECONDS)
            .forEach(
                (name, description) ->
                    description
                        .partitions()
                        .forEach(
                            p ->
                                latest.put(
                                    new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin
            .listOffsets(latest)
            .all()
            .get(30, TimeUnit.SECONDS)
            .forEach((tp, info) -> end.put(tp, info.offset()));
        await()
            .atMost(BOUND)
            .pollInterval(Duration.ofMillis(100))
            .untilAsserted(
                () -> {
                  Map<TopicPartition, OffsetAndMetadata> committed =
                      admin
                          .listConsumerGroupOffsets(group)
                          .partitionsToOffsetAndMetadata()
                          .get(30, TimeUnit.SECONDS);
                  List<TopicPartition> behind = new ArrayList<>();
                  end.forEach(
                      (tp, offset) -> {
                        OffsetAndMetadata c = committed.get(tp);
                        if (offset > 0 && (c == null || c.offset() < offset)) {
                          behind.add(tp);
                        }
                      });
                  assertThat(behind).as("partitions the stream has not processed yet").isEmpty();
                });
      }
    } catch (Exception e) {
      throw new IllegalStateException("the revocation stream did not catch up", e);
    }
  }

  /**
   * Waits until every record of the feed below the current end is the only one for its key: rolls
   * the active segments with tombstones of marker keys no token has, while waiting.
   */
  void compactFeed() {
    try (KafkaConsumer<String, byte[]> reader = reader()) {
      List<TopicPartition> partitions =
          reader.partitionsFor(Topics.REVOCATIONS.name()).stream()
              .map(info -> new TopicPartition(info.topic(), info.partition()))
              .toList();
      Map<TopicPartition, Long> end = reader.endOffsets(partitions);
      await()
          .atMost(BOUND)
          .pollInterval(Duration.ofMillis(300))
          .untilAsserted(
              () -> {
                rollSegments(partitions);
                assertThat(duplicateKeysBelow(reader, partitions, end))
                    .as("keys with more than one record left by the log cleaner")
                    .isEmpty();
              });
    }
  }

  private void rollSegments(List<TopicPartition> partitions) throws Exception {
    try (KafkaProducer<String, byte[]> producer = kafka.rawProducer()) {
      for (TopicPartition partition : partitions) {
        String marker = "token:compaction-marker-" + compactions.incrementAndGet();
        producer
            .send(
                new ProducerRecord<>(
                    Topics.REVOCATIONS.name(), partition.partition(), marker, null))
            .get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> duplicateKeysBelow(
      KafkaConsumer<String, byte[]> reader,
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> end) {
    reader.assign(partitions);
    reader.seekToBeginning(partitions);
    Map<String, Integer> counts = new HashMap<>();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline
        && partitions.stream().anyMatch(tp -> reader.position(tp) < end.get(tp))) {
      for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(100))) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        if (record.offset() < end.get(tp) && record.key() != null) {
          counts.merge(record.key(), 1, Integer::sum);
        }
      }
    }
    return counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
  }

  private KafkaConsumer<String, byte[]> reader() {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }
}
