package io.tokenwatch.audit.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.PartitionState;
import io.tokenwatch.schemas.registry.SchemaRegistryUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest loop: consumes every event topic, decodes and maps each record, and stores batches
 * exactly once through {@link AuditStore#append}, which commits the rows, their chain links and the
 * consumer positions in one transaction. Positions come from the store, never from Kafka: on
 * assignment the consumer seeks to the stored position (or the beginning for a partition the store
 * has never seen); a failed batch is dropped and read again from there. Several sinks may share a
 * PostgreSQL store, each consuming the partitions the group assigns it: a batch of a partition that
 * moved to another sink meanwhile is refused by the store ({@link
 * io.tokenwatch.audit.store.ChainFencedException}) and dropped like any failed batch.
 *
 * <p>Records that cannot be decoded or are no Tokenwatch event go to the dead-letter topic with
 * their original key, value and headers plus error headers; they take no place in the store but
 * their offsets are consumed. Dead letters are flushed before the batch commits, so a crash in
 * between may dead-letter a record twice but never loses one. A schema registry outage is
 * retriable: the batch is dropped and read again.
 *
 * <p>Runs on the thread that calls {@link #run}; {@link #close} from any thread stops it.
 */
public final class AuditIngest implements Runnable, AutoCloseable {

  /** The error headers of a dead letter (the names Kafka Streams' dead-letter queue uses). */
  public static final String ERROR_TOPIC = "__streams.errors.topic";

  public static final String ERROR_PARTITION = "__streams.errors.partition";
  public static final String ERROR_OFFSET = "__streams.errors.offset";
  public static final String ERROR_EXCEPTION = "__streams.errors.exception";
  public static final String ERROR_MESSAGE = "__streams.errors.message";

  private static final Logger log = LoggerFactory.getLogger(AuditIngest.class);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  /**
   * How the loop batches and checkpoints.
   *
   * @param batchSize events per transaction at most
   * @param batchMaxWait longest an event waits for its batch
   * @param checkpointRecords sign after this many new records
   * @param checkpointInterval sign at least this often while records arrive
   */
  public record Settings(
      int batchSize, Duration batchMaxWait, long checkpointRecords, Duration checkpointInterval) {
    public Settings {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1");
      }
      requireNonNull(batchMaxWait, "batchMaxWait");
      requireNonNull(checkpointInterval, "checkpointInterval");
    }
  }

  private final Consumer<byte[], byte[]> consumer;
  private final Deserializer<GenericRecord> deserializer;
  private final AuditStore store;
  private final CheckpointSigner signer;
  private final @Nullable Producer<byte[], byte[]> deadLetters;
  private final String deadLetterTopic;
  private final Collection<String> topics;
  private final Settings settings;
  private final Clock clock;
  private final IngestListener listener;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private final List<AuditEvent> events = new ArrayList<>();
  private final List<ProducerRecord<byte[], byte[]>> dead = new ArrayList<>();
  private final Map<ChainKey, Long> nextOffsets = new HashMap<>();
  private long batchStartedAt = -1;
  private long lastCheckpointAt;
  private long backoffMillis;
  private volatile boolean closing;
  private volatile boolean healthy = true;

  public AuditIngest(
      Consumer<byte[], byte[]> consumer,
      Deserializer<GenericRecord> deserializer,
      AuditStore store,
      CheckpointSigner signer,
      @Nullable Producer<byte[], byte[]> deadLetters,
      String deadLetterTopic,
      Collection<String> topics,
      Settings settings,
      Clock clock,
      IngestListener listener) {
    this.consumer = requireNonNull(consumer, "consumer");
    this.deserializer = requireNonNull(deserializer, "deserializer");
    this.store = requireNonNull(store, "store");
    this.signer = requireNonNull(signer, "signer");
    this.deadLetters = deadLetters;
    this.deadLetterTopic = requireNonNull(deadLetterTopic, "deadLetterTopic");
    this.topics = List.copyOf(topics);
    this.settings = requireNonNull(settings, "settings");
    this.clock = requireNonNull(clock, "clock");
    this.listener = requireNonNull(listener, "listener");
    this.lastCheckpointAt = clock.millis();
  }

  /** Whether the last batch stored (false while storing fails). */
  public boolean isHealthy() {
    return healthy;
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(topics, new Rebalance());
      try {
        while (!closing) {
          pollOnce();
        }
      } catch (WakeupException e) {
        if (!closing) {
          throw e;
        }
      }
      flushQuietly();
      checkpoint();
    } finally {
      try {
        consumer.close();
      } finally {
        stopped.countDown();
      }
    }
  }

  /** One poll, then a flush and a checkpoint when due. Package-private for tests. */
  void pollOnce() {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
    try {
      for (ConsumerRecord<byte[], byte[]> record : records) {
        add(record);
      }
    } catch (SchemaRegistryUnavailableException e) {
      log.warn("Schema registry unavailable; reading the batch again: {}", e.getMessage());
      rewind(e);
      return;
    }
    long now = clock.millis();
    if (events.size() + dead.size() >= settings.batchSize()
        || (batchStartedAt >= 0 && now - batchStartedAt >= settings.batchMaxWait().toMillis())) {
      flush();
    }
    checkpointIfDue();
  }

  private void add(ConsumerRecord<byte[], byte[]> record) {
    if (batchStartedAt < 0) {
      batchStartedAt = clock.millis();
    }
    nextOffsets.put(new ChainKey(record.topic(), record.partition()), record.offset() + 1);
    byte[] value = record.value();
    if (value == null) {
      return; // a tombstone of the compacted revocation feed: nothing happened
    }
    try {
      GenericRecord decoded = deserializer.deserialize(record.topic(), record.headers(), value);
      if (decoded == null) {
        throw new SerializationException("no record in a non-null value");
      }
      events.add(EventMapper.map(decoded, record.topic(), record.partition(), record.offset()));
    } catch (SchemaRegistryUnavailableException e) {
      throw e;
    } catch (SerializationException | IllegalArgumentException e) {
      log.warn(
          "Dead-lettering {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      dead.add(deadLetter(record, e));
    }
  }

  private ProducerRecord<byte[], byte[]> deadLetter(
      ConsumerRecord<byte[], byte[]> record, Exception error) {
    Headers headers = new RecordHeaders(record.headers().toArray());
    header(headers, ERROR_TOPIC, record.topic());
    header(headers, ERROR_PARTITION, Integer.toString(record.partition()));
    header(headers, ERROR_OFFSET, Long.toString(record.offset()));
    header(headers, ERROR_EXCEPTION, error.getClass().getName());
    header(headers, ERROR_MESSAGE, String.valueOf(error.getMessage()));
    return new ProducerRecord<>(deadLetterTopic, null, record.key(), record.value(), headers);
  }

  private static void header(Headers headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Stores the pending batch; on failure drops it and rewinds to the stored positions. */
  void flush() {
    if (nextOffsets.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    try {
      Producer<byte[], byte[]> producer = deadLetters;
      if (producer != null && !dead.isEmpty()) {
        AtomicReference<@Nullable Exception> unwritten = new AtomicReference<>();
        for (ProducerRecord<byte[], byte[]> letter : dead) {
          Future<RecordMetadata> unused =
              producer.send(
                  letter,
                  (metadata, e) -> {
                    if (e != null) {
                      unwritten.compareAndSet(null, e);
                    }
                  });
        }
        producer.flush();
        Exception failure = unwritten.get();
        if (failure != null) {
          // storing the batch would consume the record the dead letter was to keep
          throw new IllegalStateException(
              "a dead letter was not written to " + deadLetterTopic + ": " + failure, failure);
        }
      }
      var result = store.append(events, nextOffsets);
      for (String collided : result.collisions()) {
        log.error(
            "Event {} not stored: a different event id already holds its 128-bit key (a digest"
                + " collision, or ids crafted to collide); it is still on its topic",
            collided);
      }
      commitToKafka();
      listener.batchStored(
          result.stored(), result.duplicates(), dead.size(), System.nanoTime() - started);
      healthy = true;
      backoffMillis = 0;
      clear();
    } catch (RuntimeException e) {
      log.error("Storing a batch of {} events failed; reading it again", events.size(), e);
      listener.batchFailed(e);
      healthy = false;
      rewind(e);
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      log.warn("Final flush failed; the batch will be read again on restart: {}", e.toString());
    }
  }

  private void commitToKafka() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
    nextOffsets.forEach(
        (chain, next) ->
            offsets.put(
                new TopicPartition(chain.topic(), chain.partition()), new OffsetAndMetadata(next)));
    try {
      consumer.commitAsync(offsets, null);
    } catch (RuntimeException e) {
      // informational only: the store holds the positions
      log.debug("Committing offsets to Kafka failed: {}", e.toString());
    }
  }

  private void rewind(Exception cause) {
    clear();
    seekToStored(consumer.assignment());
    backoffMillis = Math.min(MAX_BACKOFF.toMillis(), Math.max(100, backoffMillis * 2));
    try {
      if (!closing && stoppedAwait(backoffMillis)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closing = true;
    }
    log.debug("Rewound after {}", cause.toString());
  }

  private boolean stoppedAwait(long millis) throws InterruptedException {
    return stopped.await(millis, TimeUnit.MILLISECONDS);
  }

  private void clear() {
    events.clear();
    dead.clear();
    nextOffsets.clear();
    batchStartedAt = -1;
  }

  private void seekToStored(Collection<TopicPartition> partitions) {
    // another sink sharing the store may have moved these partitions since this one last read them
    store.reloadPartitions();
    Map<ChainKey, PartitionState> stored = store.partitions();
    List<TopicPartition> fresh = new ArrayList<>();
    for (TopicPartition partition : partitions) {
      PartitionState state = stored.get(new ChainKey(partition.topic(), partition.partition()));
      if (state == null) {
        fresh.add(partition);
      } else {
        consumer.seek(partition, state.nextOffset());
      }
    }
    if (!fresh.isEmpty()) {
      consumer.seekToBeginning(fresh);
    }
  }

  private void checkpointIfDue() {
    long since = store.appendedSinceCheckpoint();
    long now = clock.millis();
    if (since >= settings.checkpointRecords()
        || (since > 0 && now - lastCheckpointAt >= settings.checkpointInterval().toMillis())
        || (since > 0 && store.lastCheckpoint().isEmpty())) {
      checkpoint();
    }
  }

  private void checkpoint() {
    try {
      store.checkpoint(signer, clock.millis()).ifPresent(listener::checkpointed);
      lastCheckpointAt = clock.millis();
    } catch (RuntimeException e) {
      log.error("Signing a checkpoint failed; trying again with the next batch", e);
    }
  }

  /** Stops the loop after the current poll, storing what it holds, and waits up to 30 s. */
  @Override
  public void close() {
    closing = true;
    consumer.wakeup();
    try {
      stopped.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      flush();
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      seekToStored(Set.copyOf(partitions));
    }
  }
}
