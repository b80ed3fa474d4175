package io.tokenwatch.embedded;

import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerde;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces the sample events to their catalogue topics and reads them back, with stock clients. */
final class EventTraffic {

  private static final SerdeConfig SERDE =
      SerdeConfig.of(Map.of("schema.registry.url", "http://unused"));

  private EventTraffic() {}

  static Topic<?, ?> topicOf(SpecificRecord event) {
    return Topics.ALL.stream()
        .filter(topic -> topic.valueType().equals(event.getClass()))
        .findFirst()
        .orElseThrow();
  }

  /** Sends one of each sample event, acknowledged by all replicas; returns the value bytes sent. */
  static List<byte[]> produceOneOfEach(String bootstrapServers, SchemaRegistryClient registry) {
    List<byte[]> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (SpecificRecord event : SampleEvents.all()) {
        Topic<?, ?> topic = topicOf(event);
        byte[] value = serialize(event, topic, registry);
        byte[] key = ("key-" + sent.size()).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        sent.add(value);
      }
    } catch (Exception e) {
      throw new AssertionError("producing sample events failed", e);
    }
    return sent;
  }

  /** Reads every event topic from the beginning until {@code expected} events arrived. */
  static List<SpecificRecord> consumeAll(
      String bootstrapServers, SchemaRegistryClient registry, int expected) {
    List<SpecificRecord> read = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "events-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(
          Topics.ALL.stream().filter(t -> t.valueSchema().isPresent()).map(Topic::name).toList());
      Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
      while (read.size() < expected && Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          read.add(deserialize(record.topic(), record.value(), registry));
        }
      }
    }
    return read;
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> byte[] serialize(
      T event, Topic<?, ?> topic, SchemaRegistryClient registry) {
    try (AvroSerde<T> serde =
        AvroSerdes.specific((Class<T>) event.getClass(), registry, SERDE, false)) {
      return serde.serializer().serialize(topic.name(), event);
    }
  }

  @SuppressWarnings("unchecked")
  private static SpecificRecord deserialize(
      String topicName, byte[] bytes, SchemaRegistryClient registry) {
    Topic<?, ?> topic = Topics.byName(topicName).orElseThrow();
    try (AvroSerde<SpecificRecord> serde =
        AvroSerdes.specific((Class<SpecificRecord>) topic.valueType(), registry, SERDE, false)) {
      return serde.deserializer().deserialize(topicName, bytes);
    }
  }
}
