package io.tokenwatch.validator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.fixtures.TestEvents;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.RevocationView.Freshness;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The claim a validator's staleness budget rests on, checked against the producer's own
 * acknowledgements rather than against the feed's bookkeeping: a feed that says it was caught up at
 * time T holds every revocation whose write was acknowledged before T. The model is the list of
 * acknowledged revocations with their acknowledgement times; feeds start (over a backlog, while
 * revocations keep arriving, in bursts and pauses) and are closed at random moments, and each one
 * is checked as often as it can be for as long as it runs.
 */
@KafkaIntegrationTest
class RevocationFeedFreshnessIntegrationTest {

  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(100);
  // The feeds' max.poll.records, one picked per feed (see startFeed).
  private static final int[] POLL_SIZES = {200, 2_000, 10_000};

  /** A revocation the brokers acknowledged, and when (the feed's clock: the system clock). */
  private record Ack(String tokenId, long atMillis) {}

  // Appended by the producer's I/O thread, in acknowledgement order.
  private final List<Ack> acks = new ArrayList<>();
  private FeedTestBroker broker;

  @BeforeEach
  void setUp(TestCluster cluster) {
    broker = FeedTestBroker.with(cluster, List.of(Topics.REVOCATIONS, Topics.REVOCATION_FAST_PATH));
  }

  @AfterEach
  void tearDown() throws Exception {
    broker.close();
  }

  /**
   * Watches one feed: whenever it says it caught up at T, every revocation acknowledged before T
   * must be revoked by it (revocations are never withdrawn here, so what held stays held).
   */
  private final class Checker implements Runnable {
    final RevocationFeed feed;
    // Written by the checker's thread, read by the test's once that thread has ended.
    final List<String> violations = new ArrayList<>();
    long checked;
    private volatile boolean running = true;
    private final Thread thread;
    private int next;

    Checker(RevocationFeed feed, String name) {
      this.feed = feed;
      this.thread = new Thread(this, name);
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void run() {
      while (running) {
        checkOnce();
        LockSupport.parkNanos(200_000);
      }
    }

    /**
     * Checks the acknowledgements not checked yet that the feed's claim covers, newest first: a
     * claim made too early shows in the latest writes before it, for as long as the feed takes to
     * read them.
     */
    void checkOnce() {
      Freshness freshness = feed.freshness();
      if (!freshness.ready()) {
        return;
      }
      long claimed = freshness.caughtUpAtMillis();
      List<Ack> covered;
      synchronized (acks) {
        int end = next;
        while (end < acks.size() && acks.get(end).atMillis() < claimed) {
          end++;
        }
        covered = new ArrayList<>(acks.subList(next, end));
        next = end;
      }
      for (int i = covered.size() - 1; i >= 0; i--) {
        Ack ack = covered.get(i);
        if (feed.revokedById(ack.tokenId()) == null) {
          violations.add(
              ack.tokenId()
                  + " acknowledged at "
                  + ack.atMillis()
                  + " is missing from a feed caught up at "
                  + claimed);
        }
        checked++;
      }
    }

    /** Stops watching, after one last check against everything acknowledged by now. */
    List<String> stop() throws InterruptedException {
      running = false;
      thread.join(BOUND.toMillis());
      checkOnce();
      return List.copyOf(violations);
    }
  }

  /**
   * Holds each poll's records back for a moment before the feed applies them, as a busy machine
   * might: whatever a feed claims too early stays visible to the checker that long. The first
   * records are held longest, so that many revocations are acknowledged between the end offsets a
   * feed asks for at start and those it asks for next.
   */
  public static final class SlowPolls implements ConsumerInterceptor<Object, Object> {
    private boolean first = true;

    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
      long pause = first && !records.isEmpty() ? 300 : ThreadLocalRandom.current().nextInt(10);
      first &= records.isEmpty();
      try {
        TimeUnit.MILLISECONDS.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  /**
   * A feed as services start it, polling {@code maxPollRecords} at most (small polls stop anywhere
   * in the log, between the end offsets seen at start and later ones too), its polls slowed by
   * {@link SlowPolls}.
   */
  private RevocationFeed startFeed(int maxPollRecords) {
    Map<String, Object> consumerConfig = new HashMap<>(broker.clientConfig());
    consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    consumerConfig.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, SlowPolls.class.getName());
    RevocationFeed feed =
        new RevocationFeed(
            consumerConfig,
            broker.registry(),
            Topics.REVOCATIONS.name(),
            Topics.REVOCATION_FAST_PATH.name(),
            new RevocationIndex(),
            Clock.systemUTC(),
            POLL);
    broker.closeAfter(feed);
    return feed;
  }

  private void send(KafkaProducer<String, Revocation> producer, Random random) {
    String id = UUID.randomUUID().toString();
    // Both topics a validator reads count: the issuer acknowledges a revocation once its fast
    // path is written, the stream once the feed is.
    String topic =
        random.nextInt(4) == 0 ? Topics.REVOCATION_FAST_PATH.name() : Topics.REVOCATIONS.name();
    Revocation value = TestEvents.revocation(SelectorKind.TOKEN, id, Instant.now()).build();
    var unused =
        producer.send(
            new ProducerRecord<>(topic, "token:" + id, value),
            (metadata, error) -> {
              if (error == null) {
                long at = System.currentTimeMillis();
                synchronized (acks) {
                  acks.add(new Ack(id, at));
                }
              }
            });
  }

  @Test
  void shouldHoldEveryRevocationAcknowledgedBeforeTheTimeItSaysItCaughtUp() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Map<String, Object> producerConfig = new HashMap<>(broker.clientConfig());
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    KafkaProducer<String, Revocation> producer =
        new KafkaProducer<>(
            producerConfig,
            new StringSerializer(),
            AvroSerdes.specific(Revocation.class, broker.registry(), broker.serdeConfig(), false)
                .serializer());
    broker.closeAfter(producer);

    // A backlog: a feed that starts takes several polls to reach the end offsets it saw at start,
    // while later revocations keep being acknowledged.
    for (int i = 0; i < 40_000; i++) {
      send(producer, random);
    }
    producer.flush();

    AtomicBoolean producing = new AtomicBoolean(true);
    Random pacing = new Random(random.nextLong());
    Thread writer =
        new Thread(
            () -> {
              try {
                while (producing.get()) {
                  int burst = 1 + pacing.nextInt(pacing.nextBoolean() ? 5 : 400);
                  for (int i = 0; i < burst; i++) {
                    send(producer, pacing);
                  }
                  producer.flush();
                  if (pacing.nextInt(3) == 0) {
                    // pacing the writes (bursts and pauses), not waiting on a condition
                    TimeUnit.MILLISECONDS.sleep(pacing.nextInt(250));
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "revocation-writer");
    writer.start();

    List<Checker> running = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    try {
      for (int round = 0; round < 8; round++) {
        Checker started =
            new Checker(
                startFeed(POLL_SIZES[random.nextInt(POLL_SIZES.length)]),
                "freshness-checker-" + round);
        running.add(started);
        // feeds start, run side by side and stop at random moments
        TimeUnit.MILLISECONDS.sleep(300 + random.nextInt(1_200));
        if (running.size() > 2 || (running.size() > 1 && random.nextBoolean())) {
          Checker stopped = running.remove(random.nextInt(running.size()));
          stopped.feed.close();
          violations.addAll(stopped.stop());
        }
      }
    } finally {
      producing.set(false);
      writer.join(BOUND.toMillis());
    }
    producer.flush();
    long lastAck;
    synchronized (acks) {
      lastAck = acks.get(acks.size() - 1).atMillis();
    }
    // the feeds still running catch up past the last write and are checked against all of it
    for (Checker checker : running) {
      await()
          .atMost(BOUND)
          .until(
              () -> {
                Freshness f = checker.feed.freshness();
                return f.ready() && f.caughtUpAtMillis() > lastAck;
              });
    }
    for (Checker checker : running) {
      violations.addAll(checker.stop());
    }

    assertThat(violations).as("seed %d", seed).isEmpty();
    synchronized (acks) {
      assertThat(acks).as("acknowledged revocations").hasSizeGreaterThan(40_000);
    }
    for (Checker checker : running) {
      synchronized (acks) {
        assertThat(checker.checked)
            .as("a feed running to the end is checked against every acknowledged revocation")
            .isEqualTo(acks.size());
      }
    }
  }
}
