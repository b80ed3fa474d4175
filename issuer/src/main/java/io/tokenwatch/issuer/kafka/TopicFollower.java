package io.tokenwatch.issuer.kafka;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the issuer's Kafka-backed stores keep their state: read whole topics from the beginning, then
 * follow them, handing each record to the store on the follower's own thread. No consumer group,
 * nothing committed: every issuer instance sees every record. {@link #start} waits until everything
 * written before it has been read; {@link #ready} says whether that happened and the follower still
 * runs. Thread-safe.
 */
final class TopicFollower implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);

  /** What a store does with each record. */
  @FunctionalInterface
  interface Handler {
    /**
     * @param replaying whether the record was written before the follower started (the store may
     *     treat what it learns then differently from news)
     */
    void apply(ConsumerRecord<String, byte[]> record, boolean replaying);
  }

  private final List<String> topics;
  private final String what;
  private final String onStop;
  private final Handler handler;
  private final Runnable onCaughtUp;
  private final KafkaConsumer<String, byte[]> consumer;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean running = true;
  private volatile @Nullable RuntimeException failure;
  private volatile List<TopicPartition> assigned = List.of();

  /** The position reached in each partition, published after each poll; guarded by itself. */
  private final Map<TopicPartition, Long> positions = new HashMap<>();

  /**
   * @param clientSettings where the cluster is and how to connect to it; the follower's own
   *     consumer settings (no auto-commit, read committed, {@code clientId}) take precedence
   * @param topics the topics followed
   * @param what what the records are, in messages ("access requests")
   * @param onStop what it means for the issuer when the follower stops on an error, for the log
   * @param handler called with each record, in order per partition
   * @param onCaughtUp called once, on the follower's thread, when it has read what was written
   *     before it started
   */
  TopicFollower(
      Map<String, ?> clientSettings,
      String clientId,
      List<String> topics,
      String what,
      String onStop,
      Handler handler,
      Runnable onCaughtUp) {
    this.topics = List.copyOf(topics);
    this.what = requireNonNull(what, "what");
    this.onStop = requireNonNull(onStop, "onStop");
    this.handler = requireNonNull(handler, "handler");
    this.onCaughtUp = requireNonNull(onCaughtUp, "onCaughtUp");
    Map<String, Object> config = new HashMap<>(requireNonNull(clientSettings, "clientSettings"));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, requireNonNull(clientId, "clientId"));
    this.consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::follow, what.replace(' ', '-') + "-follower");
    this.thread.setDaemon(true);
  }

  /**
   * Starts following and waits until everything written before now has been read.
   *
   * @throws IllegalStateException if that does not happen within {@code timeout}
   */
  void start(Duration timeout) {
    thread.start();
    try {
      if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        RuntimeException failed = failure;
        throw new IllegalStateException(
            what
                + " not read within "
                + timeout
                + (failed == null ? "" : ": " + failed.getMessage()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + what, e);
    }
  }

  /** Whether the follower has caught up and is still running. */
  boolean ready() {
    return caughtUp.getCount() == 0 && running && failure == null;
  }

  private void follow() {
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      assigned = List.copyOf(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      boolean replaying = true;
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          handler.apply(record, replaying);
        }
        publishPositions();
        if (replaying && reached(end)) {
          replaying = false;
          caughtUp.countDown();
          onCaughtUp.run();
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failure = new IllegalStateException(what + " follower woken unexpectedly", e);
      }
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("Following {} stopped; {}", what, onStop, e);
    } finally {
      synchronized (positions) {
        positions.notifyAll();
      }
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /** The partitions followed, once the follower has started; empty before. */
  List<TopicPartition> partitions() {
    return assigned;
  }

  /**
   * Waits until every record before {@code target}'s offsets has been handed to the handler.
   *
   * @return whether that happened within {@code timeout}
   */
  boolean awaitPositions(Map<TopicPartition, Long> target, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (positions) {
      while (!reachedPublished(target)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || !running || failure != null) {
          return false;
        }
        positions.wait(left);
      }
      return true;
    }
  }

  private boolean reachedPublished(Map<TopicPartition, Long> target) {
    for (Map.Entry<TopicPartition, Long> entry : target.entrySet()) {
      Long position = positions.get(entry.getKey());
      if (position == null || position < entry.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void publishPositions() {
    Map<TopicPartition, Long> reached = new HashMap<>();
    for (TopicPartition partition : assigned) {
      reached.put(partition, consumer.position(partition));
    }
    synchronized (positions) {
      positions.putAll(reached);
      positions.notifyAll();
    }
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
      if (consumer.position(entry.getKey()) < entry.getValue()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    running = false;
    synchronized (positions) {
      positions.notifyAll();
    }
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
