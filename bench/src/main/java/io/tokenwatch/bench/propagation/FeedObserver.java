package io.tokenwatch.bench.propagation;

import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * For a {@link Run}: follows the fast path and the feed like a validator and records, per key, when
 * the issuer's fast-path record and the revocation stream's feed record arrived.
 */
final class FeedObserver implements AutoCloseable {
  private final Map<String, AtomicLongArray> arrivals = new ConcurrentHashMap<>();
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  FeedObserver(String bootstrap) {
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "bench-feed-observer"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(Topics.REVOCATION_FAST_PATH.name(), Topics.REVOCATIONS.name())) {
      consumer
          .partitionsFor(topic)
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // resolve the end now, before any revocation
    this.thread = new Thread(this::run, "bench-feed-observer");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  void expect(String key) {
    arrivals.put(key, new AtomicLongArray(2));
  }

  /** The arrival times of the fast-path and the feed record for {@code key} (0 when none). */
  long[] await(String key, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    AtomicLongArray times = arrivals.get(key);
    while (times != null && times.get(1) == 0 && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(1); // a harness poll for the slower stream record
    }
    arrivals.remove(key);
    return times == null ? new long[2] : new long[] {times.get(0), times.get(1)};
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          long now = System.nanoTime();
          AtomicLongArray times = record.key() == null ? null : arrivals.get(record.key());
          if (times != null) {
            int slot = record.topic().equals(Topics.REVOCATIONS.name()) ? 1 : 0;
            times.compareAndSet(slot, 0, now);
          }
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
  }
}
