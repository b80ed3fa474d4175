package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.PollState;
import io.tokenwatch.signals.PollStates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poll streams' states on {@code tokenwatch.ssf-delivery} (compacted, keyed by stream id), shared
 * by every instance of the service.
 *
 * <p>Each instance follows the whole topic from the start and keeps, per stream, the {@linkplain
 * PollState#merge merge} of every poll state it has read, not just the last: since done-ness only
 * grows, a record written from an older state cannot take back what a concurrent record made done.
 * {@link #load} first catches up with the partition's end, so it sees every write completed before
 * it. {@link #commit} writes, catches up past its own record, and writes again while the merged
 * view holds more than it wrote (another instance wrote meanwhile), so the last record of a stream
 * always holds every acknowledgement a completed commit made durable.
 *
 * <p>Thread-safe. {@link #close} stops the follower, the consumer and the producer.
 */
public final class PollStateLog implements PollStates, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PollStateLog.class);
  private static final Duration FOLLOW_POLL = Duration.ofMillis(200);
  private static final int MAX_WRITES = 8;

  private final String topic;
  private final Duration timeout;
  private final int partitions;
  private final KafkaProducer<String, byte[]> producer;
  private final TopicFollower follower;
  private final KafkaConsumer<byte[], byte[]> ends;
  private final ReentrantLock endsLock = new ReentrantLock();
  private final long[] positions;
  private final Map<String, PollState> view = new ConcurrentHashMap<>();
  private final ReentrantLock progress = new ReentrantLock();
  private final Condition advanced = progress.newCondition();
  private volatile boolean closed;

  /**
   * Starts following {@code topic}.
   *
   * @param kafka the Kafka client settings ({@code bootstrap.servers} and overrides)
   * @param topic the delivery state topic
   * @param timeout how long a read or write may take before it fails as retriable
   */
  public PollStateLog(Map<String, Object> kafka, String topic, Duration timeout) {
    requireNonNull(kafka, "kafka");
    this.topic = requireNonNull(topic, "topic");
    this.timeout = requireNonNull(timeout, "timeout");
    this.follower =
        new TopicFollower(
            TopicFollower.consumerSettings(kafka, "tokenwatch-ssf-poll-states"),
            topic,
            timeout,
            log);
    this.partitions = follower.partitions();
    this.ends =
        new KafkaConsumer<>(
            TopicFollower.consumerSettings(kafka, "tokenwatch-ssf-poll-state-ends"));
    Map<String, Object> producerSettings = new HashMap<>(kafka);
    producerSettings.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-ssf-poll-states");
    producerSettings.put(ProducerConfig.ACKS_CONFIG, "all");
    producerSettings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerSettings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    producerSettings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    producerSettings.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    this.producer = new KafkaProducer<>(producerSettings);
    follower.seekToBeginning();
    this.positions = new long[partitions];
    follower.start("tokenwatch-ssf-poll-states", FOLLOW_POLL, this::followed);
  }

  private TopicPartition partitionOf(String streamId) {
    byte[] key = streamId.getBytes(StandardCharsets.UTF_8);
    return new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions);
  }

  @Override
  public PollState load(String streamId) {
    requireNonNull(streamId, "streamId");
    TopicPartition partition = partitionOf(streamId);
    long end;
    endsLock.lock();
    try {
      Long offset = ends.endOffsets(List.of(partition), timeout).get(partition);
      if (offset == null) {
        throw new IllegalStateException("no end offset for " + partition);
      }
      end = offset;
    } catch (KafkaException e) {
      throw new IllegalStateException("reading the end of " + partition + " failed: " + e, e);
    } finally {
      endsLock.unlock();
    }
    awaitPosition(partition.partition(), end);
    return view.getOrDefault(streamId, PollState.INITIAL);
  }

  @Override
  public PollState commit(String streamId, PollState state) {
    requireNonNull(streamId, "streamId");
    requireNonNull(state, "state");
    PollState writing = state;
    for (int attempt = 0; attempt < MAX_WRITES; attempt++) {
      RecordMetadata written = write(streamId, writing);
      awaitPosition(written.partition(), written.offset() + 1);
      PollState merged = view.getOrDefault(streamId, PollState.INITIAL).merge(writing);
      if (merged.equals(writing)) {
        return merged;
      }
      writing = merged;
    }
    throw new IllegalStateException(
        "the state of stream " + streamId + " kept changing under concurrent writes");
  }

  private RecordMetadata write(String streamId, PollState state) {
    try {
      return producer
          .send(new ProducerRecord<>(topic, streamId, PollStateJson.encode(state)))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted writing the state of " + streamId, e);
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      throw new IllegalStateException("writing the state of " + streamId + " failed: " + e, e);
    }
  }

  private void awaitPosition(int partition, long offset) {
    long nanos = timeout.toNanos();
    progress.lock();
    try {
      while (positions[partition] < offset) {
        if (closed) {
          throw new IllegalStateException("closed");
        }
        if (nanos <= 0) {
          throw new IllegalStateException(
              "the delivery states of partition " + partition + " are not caught up");
        }
        nanos = advanced.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the delivery states", e);
    } finally {
      progress.unlock();
    }
  }

  /** On the follower's thread: applies the records, then publishes the positions reached. */
  private void followed(
      ConsumerRecords<byte[], byte[]> records, KafkaConsumer<byte[], byte[]> consumer) {
    for (ConsumerRecord<byte[], byte[]> record : records) {
      apply(record);
    }
    progress.lock();
    try {
      for (TopicPartition partition : consumer.assignment()) {
        positions[partition.partition()] = consumer.position(partition);
      }
      advanced.signalAll();
    } finally {
      progress.unlock();
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    if (record.key() == null) {
      return;
    }
    String streamId = new String(record.key(), StandardCharsets.UTF_8);
    if (record.value() == null) {
      view.remove(streamId);
      return;
    }
    Optional<PollState> state;
    try {
      state = PollStateJson.decode(record.value());
    } catch (IllegalArgumentException e) {
      log.warn(
          "Ignoring malformed delivery state {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      return;
    }
    state.ifPresent(read -> view.merge(streamId, read, PollState::merge));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    follower.close();
    progress.lock();
    try {
      advanced.signalAll();
    } finally {
      progress.unlock();
    }
    closeClients();
  }

  private void closeClients() {
    producer.close(Duration.ofSeconds(5));
    endsLock.lock();
    try {
      ends.close();
    } finally {
      endsLock.unlock();
    }
  }
}
