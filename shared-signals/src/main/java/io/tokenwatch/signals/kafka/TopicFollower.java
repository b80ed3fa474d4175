package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A consumer assigned every partition of one topic (no group, no committed offsets) and, once
 * {@linkplain #start started}, the daemon thread that polls it and hands each batch to its owner. A
 * poll that fails is logged on the owner's logger and retried a second later; {@link #close} wakes
 * the consumer, waits for the thread and closes the consumer on it.
 *
 * <p>The positioning methods and {@link #start} are for the owner's constructor; the consumer is
 * then used only by the thread.
 */
final class TopicFollower {

  /** What the following thread does with each poll's records (possibly none). */
  @FunctionalInterface
  interface Batches {
    /**
     * @param consumer the following consumer, for its positions (this thread only)
     */
    void accept(ConsumerRecords<byte[], byte[]> records, KafkaConsumer<byte[], byte[]> consumer);
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final Duration timeout;
  private final Logger log;
  private final List<TopicPartition> partitions;
  private volatile @Nullable Thread thread;
  private volatile boolean closed;

  /**
   * Creates the consumer and assigns it every partition of {@code topic}.
   *
   * @param settings the consumer's settings, from {@link #consumerSettings}
   * @param timeout how long asking for the partitions or a position may take; also how long {@link
   *     #close} waits for the thread
   * @param log the owner's logger, for failed polls
   * @throws IllegalStateException when the topic does not exist
   */
  TopicFollower(Map<String, Object> settings, String topic, Duration timeout, Logger log) {
    this.topic = requireNonNull(topic, "topic");
    this.timeout = requireNonNull(timeout, "timeout");
    this.log = requireNonNull(log, "log");
    this.consumer = new KafkaConsumer<>(settings);
    try {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      List<TopicPartition> all = new ArrayList<>();
      for (int p = 0; p < infos.size(); p++) {
        all.add(new TopicPartition(topic, p));
      }
      consumer.assign(all);
      this.partitions = List.copyOf(all);
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
  }

  /**
   * Consumer settings for reading raw records of a topic without a group: the Kafka client settings
   * with {@code clientId}, byte-array deserializers, no auto commit, reset to the earliest offset.
   */
  static Map<String, Object> consumerSettings(Map<String, Object> kafka, String clientId) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return config;
  }

  /** How many partitions the topic has. */
  int partitions() {
    return partitions.size();
  }

  /** Follows from the beginning of every partition. */
  void seekToBeginning() {
    consumer.seekToBeginning(partitions);
  }

  /**
   * Follows only what arrives from now on.
   *
   * @return each partition's end offset, where following starts, by partition number
   */
  long[] seekToEnd() {
    try {
      consumer.seekToEnd(partitions);
      long[] positions = new long[partitions.size()];
      for (int p = 0; p < positions.length; p++) {
        positions[p] = consumer.position(partitions.get(p), timeout);
      }
      return positions;
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
  }

  /**
   * Starts the thread that polls every {@code pollTimeout} and hands each batch to {@code batches}.
   */
  void start(String threadName, Duration pollTimeout, Batches batches) {
    requireNonNull(pollTimeout, "pollTimeout");
    requireNonNull(batches, "batches");
    Thread started = new Thread(() -> follow(pollTimeout, batches), threadName);
    started.setDaemon(true);
    thread = started;
    started.start();
  }

  private void follow(Duration pollTimeout, Batches batches) {
    while (!closed) {
      try {
        batches.accept(consumer.poll(pollTimeout), consumer);
      } catch (WakeupException e) {
        // closing
      } catch (RuntimeException e) {
        log.warn("Following {} failed; retrying: {}", topic, e.toString());
        try {
          TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    consumer.close();
  }

  /** Stops following: wakes the consumer and waits (at most the timeout) for the thread to end. */
  void close() {
    closed = true;
    consumer.wakeup();
    Thread running = thread;
    if (running == null) {
      consumer.close();
      return;
    }
    try {
      running.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
