package io.tokenwatch.reliability;

import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic, committed records only, from its start to its end at the time of call. */
final class TopicReader {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  private TopicReader() {}

  /** Every committed record of {@code topic}, values decoded as {@code type}. */
  static <V extends SpecificRecord> List<ConsumerRecord<String, V>> readAll(
      String bootstrapServers, String registryUrl, String topic, Class<V> type) {
    return readAll(bootstrapServers, registryUrl, topic, type, true);
  }

  /**
   * Every record of {@code topic} up to its high watermark, values decoded as {@code type}; with
   * {@code committedOnly} false, the records of aborted transactions too, as a {@code
   * read_uncommitted} consumer sees them.
   */
  static <V extends SpecificRecord> List<ConsumerRecord<String, V>> readAll(
      String bootstrapServers,
      String registryUrl,
      String topic,
      Class<V> type,
      boolean committedOnly) {
    SerdeConfig serdes = SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl));
    Deserializer<V> values =
        AvroSerdes.specific(
                type, new HttpSchemaRegistryClient(serdes.registrySettings()), serdes, false)
            .deserializer();
    return read(bootstrapServers, List.of(topic), values, committedOnly);
  }

  /** Every committed record of {@code topic} as raw bytes. */
  static List<ConsumerRecord<String, byte[]>> readRaw(String bootstrapServers, String topic) {
    return read(bootstrapServers, List.of(topic), new ByteArrayDeserializer(), true);
  }

  /** Every committed record of every topic of {@code topics} as raw bytes, with one consumer. */
  static List<ConsumerRecord<String, byte[]>> readRaw(
      String bootstrapServers, List<String> topics) {
    return read(bootstrapServers, topics, new ByteArrayDeserializer(), true);
  }

  private static <V> List<ConsumerRecord<String, V>> read(
      String bootstrapServers, List<String> topics, Deserializer<V> values, boolean committedOnly) {
    List<ConsumerRecord<String, V>> found = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                committedOnly ? "read_committed" : "read_uncommitted"),
            new StringDeserializer(),
            values)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        consumer
            .partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + LIMIT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topics + " to its end within " + LIMIT);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(found::add);
      }
    }
    return found;
  }
}
