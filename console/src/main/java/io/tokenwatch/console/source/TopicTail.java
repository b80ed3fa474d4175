package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one topic from its recent end: on start, the last {@code lookback} records of each
 * partition, then every new one, handed to {@code onRecord} on the tail's own thread. No consumer
 * group: every console instance sees everything, and nothing is committed.
 *
 * <p>A record whose value cannot be decoded is skipped, logged and counted ({@link
 * #undecodable()}): the console only shows what others wrote, and the processors that own the topic
 * send poison records to the dead-letter topic. A tombstone reaches {@code onRecord} with a null
 * value. Thread-safe.
 */
public final class TopicTail<V> implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TopicTail.class);
  private static final Duration POLL = Duration.ofMillis(500);

  private final String topic;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Deserializer<V> values;
  private final Consumer<ConsumerRecord<String, @Nullable V>> onRecord;
  private final long lookback;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean caughtUp = new AtomicBoolean(false);
  private final AtomicLong undecodable = new AtomicLong();
  private volatile Map<TopicPartition, Long> startEnds = Map.of();

  private TopicTail(
      Map<String, Object> kafka,
      String topic,
      Deserializer<V> values,
      long lookback,
      Consumer<ConsumerRecord<String, @Nullable V>> onRecord) {
    this.topic = topic;
    this.values = values;
    this.lookback = lookback;
    this.onRecord = onRecord;
    Map<String, Object> config = new HashMap<>(kafka);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-console-" + topic);
    this.consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "console-tail-" + topic);
    this.thread.setDaemon(true);
  }

  /**
   * Starts following {@code topic}.
   *
   * @param kafka the Kafka client settings (brokers, security)
   * @param values decodes record values (Confluent wire format)
   * @param lookback how many of each partition's last records to read first
   * @param onRecord called with each record, in order per partition, on the tail's thread
   */
  public static <V> TopicTail<V> start(
      Map<String, Object> kafka,
      String topic,
      Deserializer<V> values,
      long lookback,
      Consumer<ConsumerRecord<String, @Nullable V>> onRecord) {
    requireNonNull(kafka, "kafka");
    requireNonNull(topic, "topic");
    requireNonNull(values, "values");
    requireNonNull(onRecord, "onRecord");
    if (lookback < 0) {
      throw new IllegalArgumentException("lookback must not be negative: " + lookback);
    }
    TopicTail<V> tail = new TopicTail<>(kafka, topic, values, lookback, onRecord);
    tail.thread.start();
    return tail;
  }

  /** Whether the records present at start have all been handed over. */
  public boolean caughtUp() {
    return caughtUp.get();
  }

  /** Records skipped because their value could not be decoded. */
  public long undecodable() {
    return undecodable.get();
  }

  private void run() {
    try {
      List<TopicPartition> partitions = partitions();
      consumer.assign(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      Map<TopicPartition, Long> begins = consumer.beginningOffsets(partitions);
      for (TopicPartition partition : partitions) {
        long end = ends.getOrDefault(partition, 0L);
        long begin = begins.getOrDefault(partition, 0L);
        consumer.seek(partition, Math.max(begin, end - lookback));
      }
      startEnds = Map.copyOf(ends);
      while (running.get()) {
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        for (ConsumerRecord<String, byte[]> record : records) {
          deliver(record);
        }
        if (!caughtUp.get() && reachedStartEnds()) {
          caughtUp.set(true);
        }
      }
    } catch (WakeupException closing) {
      // close() woke the consumer up.
    } catch (RuntimeException e) {
      if (running.get()) {
        LOG.error("Following {} stopped: {}", topic, e.toString(), e);
      }
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(1)));
    }
  }

  private List<TopicPartition> partitions() {
    while (running.get()) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
        return partitions;
      }
      LOG.info("Waiting for topic {} to exist", topic);
    }
    return List.of();
  }

  private boolean reachedStartEnds() {
    for (Map.Entry<TopicPartition, Long> end : startEnds.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void deliver(ConsumerRecord<String, byte[]> record) {
    @Nullable V value;
    try {
      value = record.value() == null ? null : values.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      undecodable.incrementAndGet();
      LOG.warn(
          "Skipping undecodable record {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.toString());
      return;
    }
    try {
      onRecord.accept(
          new ConsumerRecord<>(
              record.topic(),
              record.partition(),
              record.offset(),
              record.timestamp(),
              record.timestampType(),
              record.serializedKeySize(),
              record.serializedValueSize(),
              record.key(),
              value,
              record.headers(),
              record.leaderEpoch()));
    } catch (RuntimeException e) {
      LOG.warn(
          "Showing record {}-{}@{} failed: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.toString(),
          e);
    }
  }

  @Override
  public void close() {
    if (running.compareAndSet(true, false)) {
      consumer.wakeup();
      try {
        thread.join(Duration.ofSeconds(5).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
