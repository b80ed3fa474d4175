package io.tokenwatch.bench.propagation;

import io.tokenwatch.issuer.kafka.KafkaEventLog;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Kafka's own produce-to-consume latency on the same broker, measured between the rounds of a
 * {@link Run}: a producer with the issuer's producer settings ({@link
 * KafkaEventLog#producerConfig}: idempotent, {@code acks=all}, {@code linger.ms=1}) sends one small
 * record and flushes, as the issuer's revocation path does, to a topic shaped like the fast path (3
 * partitions, delete policy); a plain consumer with a validator feed's settings (no group, all
 * partitions assigned, poll timeout 500 ms) records when it arrives. What the revocation path
 * cannot beat: the floor under "every validator denies".
 */
final class KafkaBaseline implements AutoCloseable {
  static final String TOPIC = "bench.kafka-baseline";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Producer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final Map<String, Arrival> waiting = new ConcurrentHashMap<>();
  private final byte[] value;
  private volatile boolean running = true;
  private long sequence;

  private static final class Arrival {
    final CountDownLatch latch = new CountDownLatch(1);
    volatile long at;
  }

  KafkaBaseline(String bootstrap, int valueBytes) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(TOPIC, Topics.REVOCATION_FAST_PATH.spec().partitions(), (short) 1)))
          .all()
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
    Map<String, Object> config = KafkaEventLog.producerConfig(bootstrap, Duration.ofSeconds(5));
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-kafka-baseline");
    this.producer = KafkaEventLog.producer(config);
    this.consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.CLIENT_ID_CONFIG,
                "bench-kafka-baseline"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .partitionsFor(TOPIC)
        .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    this.value = new byte[valueBytes];
    this.thread = new Thread(this::run, "bench-kafka-baseline");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Sends one record and waits for the consumer to see it: nanoseconds from the send to the
   * arrival, and from the send to the producer's acknowledgement.
   */
  long[] probe() throws InterruptedException, ExecutionException, TimeoutException {
    String key = "token:baseline-" + sequence++;
    Arrival arrival = new Arrival();
    waiting.put(key, arrival);
    long sent = System.nanoTime();
    var ack = producer.send(new ProducerRecord<>(TOPIC, key, value));
    producer.flush();
    ack.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    long acked = System.nanoTime();
    if (!arrival.latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException("the baseline record did not arrive");
    }
    waiting.remove(key);
    return new long[] {arrival.at - sent, acked - sent};
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          long now = System.nanoTime();
          Arrival arrival = record.key() == null ? null : waiting.get(record.key());
          if (arrival != null) {
            arrival.at = now;
            arrival.latch.countDown();
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
    producer.close(Duration.ofSeconds(5));
  }
}
