package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.signals.RevocationSignals;
import io.tokenwatch.signals.SecurityEvent;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmitter's fan-out: reads the revocation feed and the issuer's fast path, and for every
 * revocation and every stream it concerns ({@link RevocationSignals}) hands the events to the
 * outbox. Input offsets are committed only after every SET and dead letter of the batch is durable
 * (at least once; a repeat carries the same jti). Tombstones are ignored. A record that cannot be
 * decoded or mapped goes to {@code tokenwatch.dead-letters} and the fan-out goes on; a failure to
 * produce or to read the streams rewinds the batch and retries it after a pause.
 *
 * <p>Runs on its own thread from {@link #start}; {@link #close} stops it.
 */
public final class RevocationFanout implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RevocationFanout.class);
  private static final int RECENT_JTIS = 10_000;
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

  private final Consumer<byte[], byte[]> consumer;
  private final Deserializer<Revocation> deserializer;
  private final List<String> topics;
  private final RevocationSignals signals;
  private final StreamRegistry registry;
  private final KafkaEventOutbox outbox;
  private final DeadLetters deadLetters;
  private final Counter deadLettered;
  private final Map<String, Boolean> recent =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > RECENT_JTIS;
        }
      };
  private static final long COMMIT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * @param consumer a consumer of raw bytes with {@code isolation.level=read_committed} and auto
   *     commit off, not yet subscribed
   * @param topics the revocation feed and the fast path
   * @param deadLetterProducer an idempotent byte[] producer for {@code deadLetterTopic}
   */
  public RevocationFanout(
      Consumer<byte[], byte[]> consumer,
      Deserializer<Revocation> deserializer,
      List<String> topics,
      RevocationSignals signals,
      StreamRegistry registry,
      KafkaEventOutbox outbox,
      org.apache.kafka.clients.producer.Producer<byte[], byte[]> deadLetterProducer,
      String deadLetterTopic,
      MeterRegistry meters) {
    this.consumer = requireNonNull(consumer, "consumer");
    this.deserializer = requireNonNull(deserializer, "deserializer");
    this.topics = List.copyOf(topics);
    this.signals = requireNonNull(signals, "signals");
    this.registry = requireNonNull(registry, "registry");
    this.outbox = requireNonNull(outbox, "outbox");
    this.deadLetters = new DeadLetters(deadLetterProducer, deadLetterTopic);
    this.deadLettered =
        Counter.builder("tokenwatch.ssf.fanout.dead.letters")
            .description("Revocation records the fan-out could not use, sent to dead letters")
            .register(meters);
    this.thread = new Thread(this::run, "ssf-fanout");
    this.thread.setDaemon(true);
  }

  /** Subscribes and starts the fan-out thread. */
  public RevocationFanout start() {
    thread.start();
    return this;
  }

  private void run() {
    Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    long committedAt = System.nanoTime();
    try {
      consumer.subscribe(topics);
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
        if (!uncommitted.isEmpty() && System.nanoTime() - committedAt >= COMMIT_INTERVAL_NANOS) {
          commit(uncommitted);
          committedAt = System.nanoTime();
        }
        if (records.isEmpty()) {
          continue;
        }
        try {
          process(records);
          uncommitted.putAll(nextOffsets(records));
        } catch (RuntimeException e) {
          if (e instanceof WakeupException) {
            throw e;
          }
          log.warn(
              "Fan-out of {} records failed, retrying them: {}", records.count(), e.toString());
          rewind(records);
          if (stopped.await(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS)) {
            return;
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.error("The revocation fan-out stopped", e);
    } finally {
      if (!uncommitted.isEmpty()) {
        try {
          commit(uncommitted);
        } catch (WakeupException e) {
          commit(uncommitted); // the wakeup close() sent, not consumed by a poll
        }
      }
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /**
   * Commits what has been fanned out and acknowledged. At most every {@link
   * #COMMIT_INTERVAL_NANOS}, not after every poll: a commit is a round trip to the group
   * coordinator and a write to its log, which the fan-out thread waited for after every poll, at a
   * hundred revocations a second (two records each, feed and fast path) many times a second. A
   * failed or skipped commit only means a repeat after a restart or rebalance, with the same jti,
   * which receivers deduplicate.
   */
  private void commit(Map<TopicPartition, OffsetAndMetadata> uncommitted) {
    try {
      consumer.commitSync(uncommitted);
    } catch (WakeupException e) {
      throw e;
    } catch (RuntimeException e) {
      log.warn("Committing the fan-out's offsets failed; they are read again: {}", e.toString());
    }
    uncommitted.clear();
  }

  private void process(ConsumerRecords<byte[], byte[]> records) {
    List<Future<?>> pending = new ArrayList<>();
    Collection<SignalStream> streams = registry.all();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      byte[] value = record.value();
      if (value == null) {
        continue;
      }
      Revocation revocation;
      List<SecurityEvent> events = new ArrayList<>();
      List<SignalStream> targets = new ArrayList<>();
      try {
        revocation = deserializer.deserialize(record.topic(), value);
        if (revocation == null) {
          throw new IllegalArgumentException("the value decodes to no revocation");
        }
        for (SignalStream stream : streams) {
          for (SecurityEvent event : signals.eventsFor(revocation, stream)) {
            events.add(event);
            targets.add(stream);
          }
        }
      } catch (org.apache.kafka.common.errors.SerializationException | IllegalArgumentException e) {
        if (isRetriable(e)) {
          throw e;
        }
        log.warn(
            "Dead-lettering {}-{}@{}: {}",
            record.topic(),
            record.partition(),
            record.offset(),
            e.toString());
        deadLettered.increment();
        pending.add(
            deadLetters.send(
                record,
                record.key() == null ? new byte[0] : record.key(),
                value,
                e.getClass().getName(),
                String.valueOf(e.getMessage())));
        continue;
      }
      for (int i = 0; i < events.size(); i++) {
        SecurityEvent event = events.get(i);
        SignalStream stream = targets.get(i);
        String seen = stream.streamId() + "/" + event.jti();
        synchronized (recent) {
          if (recent.containsKey(seen)) {
            continue;
          }
        }
        pending.add(outbox.sendAsync(stream, event));
        synchronized (recent) {
          recent.put(seen, Boolean.TRUE);
        }
      }
    }
    awaitAll(pending);
  }

  private static boolean isRetriable(RuntimeException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause.getClass().getSimpleName().equals("SchemaRegistryUnavailableException")) {
        return true;
      }
    }
    return false;
  }

  private void awaitAll(List<Future<?>> pending) {
    RuntimeException failure = null;
    for (Future<?> future : pending) {
      try {
        future.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (java.util.concurrent.ExecutionException e) {
        failure = failure == null ? new IllegalStateException("produce failed", e) : failure;
      }
    }
    if (failure != null) {
      synchronized (recent) {
        recent.clear();
      }
      throw failure;
    }
  }

  private void rewind(ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> list = records.records(partition);
      if (!list.isEmpty()) {
        consumer.seek(partition, list.get(0).offset());
      }
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(
      ConsumerRecords<byte[], byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> list = records.records(partition);
      offsets.put(partition, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
    }
    return offsets;
  }

  /** Stops the fan-out thread and closes the consumer. Idempotent. */
  @Override
  public void close() {
    running = false;
    stopped.countDown();
    consumer.wakeup();
    joinQuietly(thread);
  }

  static void joinQuietly(@Nullable Thread thread) {
    if (thread == null || thread == Thread.currentThread()) {
      return;
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
