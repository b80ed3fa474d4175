package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.PollQueue;
import io.tokenwatch.signals.PollSet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll streams' queues on {@code tokenwatch.ssf-events}: a stream's SETs are the records keyed
 * by its id, on the partition of that key, positions being Kafka offsets.
 *
 * <p>Reads use one assigned consumer per partition, created on first use and reused, that seeks to
 * the stream's cursor and reads to the partition's end (read-committed), keeping the stream's
 * records. What a read found is remembered for the most recently read streams (at most {@value
 * #MAX_KNOWN_STREAMS} per partition, {@value #MAX_KNOWN_BYTES_PER_STREAM} bytes of SETs each), so a
 * stream's next read only reads what arrived since, however old its oldest pending SET. A follower
 * thread reads every partition's new records as they arrive and wakes the polls waiting for their
 * stream, so a long poll costs no Kafka request while it waits. Records that are no SET with a
 * {@code jti} are skipped (logged): nothing a receiver could acknowledge.
 *
 * <p>Thread-safe. {@link #close} stops the follower and the consumers.
 */
public final class PollEventLog implements PollQueue, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PollEventLog.class);
  private static final Duration FOLLOW_POLL = Duration.ofMillis(500);
  private static final Duration READ_POLL = Duration.ofMillis(100);
  private static final int MAX_KNOWN_STREAMS = 256;
  private static final long MAX_KNOWN_BYTES_PER_STREAM = 128 * 1024;

  private final Map<String, Object> settings;
  private final String topic;
  private final Duration readTimeout;
  private final int partitions;
  private final Reader[] readers;
  private final TopicFollower follower;
  private final long[] followedFrom;
  private final Map<String, Long> lastArrival = new ConcurrentHashMap<>();
  private final ReentrantLock arrivals = new ReentrantLock();
  private final Condition arrived = arrivals.newCondition();
  private volatile boolean closed;

  /**
   * Starts following {@code topic}.
   *
   * @param kafka the Kafka client settings ({@code bootstrap.servers} and overrides)
   * @param topic the SET topic
   * @param readTimeout how long one read may take before it fails as retriable
   */
  public PollEventLog(Map<String, Object> kafka, String topic, Duration readTimeout) {
    this.settings = Map.copyOf(requireNonNull(kafka, "kafka"));
    this.topic = requireNonNull(topic, "topic");
    this.readTimeout = requireNonNull(readTimeout, "readTimeout");
    this.follower =
        new TopicFollower(
            consumerSettings("tokenwatch-ssf-poll-follower"), topic, readTimeout, log);
    this.partitions = follower.partitions();
    this.followedFrom = follower.seekToEnd();
    this.readers = new Reader[partitions];
    follower.start(
        "tokenwatch-ssf-poll-follower", FOLLOW_POLL, (records, consumer) -> arrived(records));
  }

  private Map<String, Object> consumerSettings(String clientId) {
    Map<String, Object> config = TopicFollower.consumerSettings(settings, clientId);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return config;
  }

  /** The partition holding {@code streamId}'s SETs, as Kafka's producers choose it. */
  public int partitionOf(String streamId) {
    byte[] key = streamId.getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(key)) % partitions;
  }

  @Override
  public Scan scan(String streamId, long from, int limit) {
    requireNonNull(streamId, "streamId");
    if (from < 0 || limit < 1) {
      throw new IllegalArgumentException("from must be >= 0 and limit >= 1");
    }
    if (closed) {
      throw new IllegalStateException("closed");
    }
    return reader(partitionOf(streamId)).scan(streamId, from, limit);
  }

  private Reader reader(int partition) {
    synchronized (readers) {
      Reader reader = readers[partition];
      if (reader == null) {
        reader = new Reader(new TopicPartition(topic, partition));
        readers[partition] = reader;
      }
      return reader;
    }
  }

  @Override
  public boolean awaitArrival(String streamId, long from, Duration timeout)
      throws InterruptedException {
    requireNonNull(streamId, "streamId");
    requireNonNull(timeout, "timeout");
    int partition = partitionOf(streamId);
    long nanos = timeout.toNanos();
    arrivals.lock();
    try {
      while (true) {
        if (closed || from < followedFrom[partition]) {
          return true;
        }
        Long last = lastArrival.get(streamId);
        if (last != null && last >= from) {
          return true;
        }
        if (nanos <= 0) {
          return false;
        }
        nanos = arrived.awaitNanos(nanos);
      }
    } finally {
      arrivals.unlock();
    }
  }

  /** On the follower's thread: notes the streams whose SETs arrived and wakes their polls. */
  private void arrived(ConsumerRecords<byte[], byte[]> records) {
    if (records.isEmpty()) {
      return;
    }
    for (ConsumerRecord<byte[], byte[]> record : records) {
      if (record.key() != null) {
        lastArrival.merge(
            new String(record.key(), StandardCharsets.UTF_8), record.offset(), Math::max);
      }
    }
    arrivals.lock();
    try {
      arrived.signalAll();
    } finally {
      arrivals.unlock();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    follower.close();
    arrivals.lock();
    try {
      arrived.signalAll();
    } finally {
      arrivals.unlock();
    }
    synchronized (readers) {
      Arrays.stream(readers).filter(java.util.Objects::nonNull).forEach(Reader::close);
    }
  }

  /**
   * What a complete read of a stream found: its SETs at or above {@code from} and below {@code
   * end}. Records below a read-committed end never change, so the next read of the stream only
   * reads from {@code end} on.
   */
  private record Known(long from, long end, List<PollSet> sets) {}

  /** One partition's reading consumer; reads one stream at a time. */
  private final class Reader {
    private final TopicPartition partition;
    private final ReentrantLock lock = new ReentrantLock();

    /** The latest complete read of the streams read most recently, least recent first. */
    private final Map<String, Known> recent =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
            return size() > MAX_KNOWN_STREAMS;
          }
        };

    private @Nullable KafkaConsumer<byte[], byte[]> consumer;

    Reader(TopicPartition partition) {
      this.partition = partition;
    }

    Scan scan(String streamId, long from, int limit) {
      byte[] key = streamId.getBytes(StandardCharsets.UTF_8);
      lock.lock();
      try {
        KafkaConsumer<byte[], byte[]> reading = consumer();
        long begin = offset(reading.beginningOffsets(List.of(partition), readTimeout));
        long end = offset(reading.endOffsets(List.of(partition), readTimeout));
        long start = Math.max(from, begin);
        if (start >= end) {
          return new Scan(List.of(), Math.max(from, end), true);
        }
        List<PollSet> sets = new ArrayList<>();
        long readFrom = start;
        Known known = recent.get(streamId);
        if (known != null && known.from() <= start && start <= known.end()) {
          for (PollSet set : known.sets()) {
            if (set.offset() >= start) {
              sets.add(set);
            }
          }
          readFrom = Math.min(known.end(), end);
          if (sets.size() >= limit) {
            List<PollSet> first = List.copyOf(sets.subList(0, limit));
            long next = first.get(limit - 1).offset() + 1;
            return new Scan(first, next, next >= end);
          }
        }
        if (readFrom < end) {
          reading.seek(partition, readFrom);
          long deadline = System.nanoTime() + readTimeout.toNanos();
          while (reading.position(partition, readTimeout) < end) {
            ConsumerRecords<byte[], byte[]> records = reading.poll(READ_POLL);
            if (records.isEmpty() && System.nanoTime() > deadline) {
              throw new IllegalStateException("reading " + partition + " timed out");
            }
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
              if (record.offset() >= end) {
                break;
              }
              if (record.key() == null || !Arrays.equals(record.key(), key)) {
                continue;
              }
              Optional<PollSet> set = set(record);
              if (set.isPresent()) {
                sets.add(set.get());
                if (sets.size() == limit) {
                  return new Scan(sets, record.offset() + 1, record.offset() + 1 >= end);
                }
              }
            }
          }
        }
        remember(streamId, new Known(start, end, List.copyOf(sets)));
        return new Scan(sets, end, true);
      } catch (org.apache.kafka.common.KafkaException e) {
        throw new IllegalStateException("reading " + partition + " failed: " + e, e);
      } finally {
        lock.unlock();
      }
    }

    /** Keeps what a complete read found, so the stream's next read starts where this one ended. */
    private void remember(String streamId, Known known) {
      long bytes = 0;
      for (PollSet set : known.sets()) {
        bytes += set.compact().length() + set.jti().length();
      }
      if (bytes > MAX_KNOWN_BYTES_PER_STREAM) {
        recent.remove(streamId);
      } else {
        recent.put(streamId, known);
      }
    }

    private long offset(Map<TopicPartition, Long> offsets) {
      Long offset = offsets.get(partition);
      if (offset == null) {
        throw new IllegalStateException("no offset for " + partition);
      }
      return offset;
    }

    private Optional<PollSet> set(ConsumerRecord<byte[], byte[]> record) {
      String compact =
          record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8);
      Optional<String> jti = SetTokens.jti(compact);
      if (jti.isEmpty()) {
        log.warn(
            "Skipping {}-{}@{}: not a SET with a jti",
            record.topic(),
            record.partition(),
            record.offset());
        return Optional.empty();
      }
      return Optional.of(new PollSet(record.offset(), jti.get(), compact));
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
      KafkaConsumer<byte[], byte[]> existing = consumer;
      if (existing != null) {
        return existing;
      }
      KafkaConsumer<byte[], byte[]> created =
          new KafkaConsumer<>(
              consumerSettings("tokenwatch-ssf-poll-reader-" + partition.partition()));
      created.assign(List.of(partition));
      consumer = created;
      return created;
    }

    void close() {
      lock.lock();
      try {
        KafkaConsumer<byte[], byte[]> existing = consumer;
        if (existing != null) {
          existing.close();
          consumer = null;
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
