package io.tokenwatch.bench.signals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * When the transmitter produced each revoked token's first SET to {@code tokenwatch.ssf-events}
 * (the record's create time, epoch millis), read by a plain consumer beside the receivers: splits
 * the latency into the fan-out's part and delivery's part.
 */
final class ProducedSets implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, Long> firstByToken = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  private volatile String streamId = "";

  /**
   * Watches one stream's SETs only: the fan-out produces a revocation's SETs for every stream in
   * one go, and parsing all of them would take the CPU the services under test need.
   */
  void watch(String streamId) {
    this.streamId = streamId;
  }

  ProducedSets(String bootstrapServers) {
    Properties settings = new Properties();
    settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumer =
        new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<PartitionInfo> partitions = consumer.partitionsFor("tokenwatch.ssf-events");
    List<TopicPartition> assigned =
        partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(assigned);
    consumer.seekToEnd(assigned);
    assigned.forEach(consumer::position);
    thread = new Thread(this::loop, "bench-produced-sets");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    Arrivals parser = new Arrivals("produced");
    while (running) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
        if (record.key() == null
            || !streamId.equals(new String(record.key(), StandardCharsets.UTF_8))) {
          continue;
        }
        try {
          Optional<String> token =
              Arrivals.tokenIdOf(new String(record.value(), StandardCharsets.UTF_8));
          token.ifPresent(id -> firstByToken.merge(id, record.timestamp(), Math::min));
        } catch (java.text.ParseException e) {
          parser.other.incrementAndGet();
        }
      }
    }
    consumer.close();
  }

  /** When the first SET revoking {@code tokenId} was produced, epoch millis, if seen. */
  Optional<Long> producedAt(String tokenId) {
    return Optional.ofNullable(firstByToken.get(tokenId));
  }

  @Override
  public void close() {
    running = false;
  }
}
