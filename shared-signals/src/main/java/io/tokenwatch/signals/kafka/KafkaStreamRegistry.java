package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmitter's streams on the compacted topic {@code tokenwatch.ssf-streams}: key the stream
 * id, value the stream as JSON ({@link StreamRecords}), a tombstone for a deleted stream.
 *
 * <p>Every instance reads the whole topic from the beginning when it starts and then follows it,
 * keeping every stream in memory. It is {@linkplain #isReady() ready} once it has read up to the
 * end offsets the topic had at start. {@link #put} and {@link #delete} return after the broker
 * acknowledged the write ({@code acks=all}, idempotent producer) <em>and</em> this instance's own
 * view holds it, so a read after a write on one instance sees the write; other instances see it as
 * soon as they read it. A record that cannot be read (not a version-1 stream) removes its key from
 * the view, is logged and counted ({@code tokenwatch.signals.stream-records{result= undecodable}}),
 * and stays on the topic.
 *
 * <p>Thread-safe. Close it to stop following the topic.
 */
public final class KafkaStreamRegistry implements StreamRegistry, MeterBinder, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaStreamRegistry.class);

  private final String topic;
  private final Duration writeTimeout;
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<String, SignalStream> streams = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> endAtStart;
  private final Map<TopicPartition, Long> applied = new HashMap<>();
  private final Object lock = new Object();
  private final AtomicLong undecodable = new AtomicLong();
  private final Thread thread;
  private volatile boolean closed;
  private volatile @Nullable RuntimeException failure;

  /**
   * Starts following {@code topic}.
   *
   * @param kafkaConfig the Kafka clients' settings (at least {@code bootstrap.servers}); group,
   *     offset, serializer and durability settings are set here
   * @param topic the stream topic, normally {@code tokenwatch.ssf-streams}
   * @param writeTimeout how long a write may take to be acknowledged and read back
   * @throws org.apache.kafka.common.KafkaException when the topic cannot be read
   */
  public KafkaStreamRegistry(Map<String, Object> kafkaConfig, String topic, Duration writeTimeout) {
    requireNonNull(kafkaConfig, "kafkaConfig");
    this.topic = requireNonNull(topic, "topic");
    this.writeTimeout = requireNonNull(writeTimeout, "writeTimeout");
    Map<String, Object> producerConfig = new HashMap<>(kafkaConfig);
    producerConfig.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-ssf-streams-writer");
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    Map<String, Object> consumerConfig = new HashMap<>(kafkaConfig);
    consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
    consumerConfig.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-ssf-streams-reader");
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    this.consumer = new KafkaConsumer<>(consumerConfig);
    KafkaProducer<String, byte[]> writer = null;
    try {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (partitions == null || partitions.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      List<TopicPartition> assigned =
          partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      this.endAtStart = Map.copyOf(consumer.endOffsets(assigned, Duration.ofSeconds(30)));
      writer = new KafkaProducer<>(producerConfig);
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    this.producer = writer;
    this.thread = new Thread(this::follow, "tokenwatch-ssf-streams");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  @Override
  public Optional<SignalStream> get(String streamId) {
    requireNonNull(streamId, "streamId");
    return Optional.ofNullable(streams.get(streamId));
  }

  @Override
  public Collection<SignalStream> all() {
    return List.copyOf(streams.values());
  }

  @Override
  public void put(SignalStream stream) {
    requireNonNull(stream, "stream");
    write(stream.streamId(), StreamRecords.encode(stream));
  }

  @Override
  public void delete(String streamId) {
    requireNonNull(streamId, "streamId");
    write(streamId, null);
  }

  /** Whether this instance has read the topic up to where it ended when the instance started. */
  public boolean isReady() {
    synchronized (lock) {
      return caughtUp();
    }
  }

  /** Waits until {@link #isReady()}; false when {@code timeout} passed first or reading failed. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!caughtUp() && failure == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return caughtUp();
    }
  }

  /** Whether the instance still follows the topic. */
  public boolean isHealthy() {
    return failure == null && thread.isAlive();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("tokenwatch.signals.streams", streams, Map::size)
        .description("Streams known to this instance")
        .register(registry);
    FunctionCounter.builder("tokenwatch.signals.stream-records", undecodable, AtomicLong::get)
        .description("Stream records that could not be read")
        .tag("result", "undecodable")
        .register(registry);
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }

  private void write(String streamId, byte @Nullable [] value) {
    RuntimeException failed = failure;
    if (failed != null || closed) {
      throw new IllegalStateException("the stream registry no longer follows " + topic, failed);
    }
    long deadline = System.nanoTime() + writeTimeout.toNanos();
    RecordMetadata metadata;
    try {
      metadata =
          producer
              .send(new ProducerRecord<>(topic, streamId, value))
              .get(writeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing a stream", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the stream could not be written to " + topic, e);
    }
    TopicPartition partition = new TopicPartition(metadata.topic(), metadata.partition());
    synchronized (lock) {
      while (applied.getOrDefault(partition, -1L) <= metadata.offset()) {
        if (failure != null || closed) {
          throw new IllegalStateException("the stream registry stopped following " + topic);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("the written stream was not read back in time");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while reading a stream back", e);
        }
      }
    }
  }

  private boolean caughtUp() {
    for (Map.Entry<TopicPartition, Long> end : endAtStart.entrySet()) {
      if (applied.getOrDefault(end.getKey(), 0L) < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void follow() {
    try {
      while (!closed) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, byte[]> record : records) {
          apply(record);
        }
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition partition : consumer.assignment()) {
          positions.put(partition, consumer.position(partition));
        }
        synchronized (lock) {
          applied.putAll(positions);
          lock.notifyAll();
        }
      }
    } catch (WakeupException e) {
      if (!closed) {
        fail(new IllegalStateException("woken up while open", e));
      }
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      consumer.close();
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }

  private void fail(RuntimeException e) {
    log.error("The stream registry stopped following {}", topic, e);
    failure = e;
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    String key = record.key();
    if (key == null) {
      undecodable.incrementAndGet();
      log.error(
          "Stream record without a key at {}-{}@{}", topic, record.partition(), record.offset());
      return;
    }
    byte[] value = record.value();
    if (value == null) {
      streams.remove(key);
      return;
    }
    try {
      SignalStream stream = StreamRecords.decode(value);
      if (!stream.streamId().equals(key)) {
        throw new IllegalArgumentException("the record's key is not its stream id");
      }
      streams.put(key, stream);
    } catch (RuntimeException e) {
      streams.remove(key);
      undecodable.incrementAndGet();
      log.error(
          "Unreadable stream record at {}-{}@{}; the stream is left out",
          topic,
          record.partition(),
          record.offset(),
          e);
    }
  }
}
