package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.RevocationView;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted revocation feed into a {@link RevocationIndex}, and the issuer's revocation
 * fast path beside it: assigns every partition of both (no consumer group, so every validator reads
 * everything), reads from the beginning, applies records and tombstones, becomes ready once it has
 * reached the end offsets seen at start, then keeps following. Partitions added to either topic
 * later are noticed within about twice {@code metadata.max.age.ms} ({@link
 * #PARTITION_CHECK_INTERVAL} unless set) and read from their beginning; until they are read to
 * their end the feed counts as behind (see freshness below).
 *
 * <p>Bootstrap cost: the index is sized once for the records the feed holds (its end minus
 * beginning offsets), polls take up to {@value #MAX_POLL_RECORDS} records, keys are read as bytes
 * ({@code token:<uuid>} straight into the index, without a string), positions are recorded once per
 * partition and poll, and listeners are told one by one only of the latest revocations of a poll
 * that they keep ({@link AppliedRevocationListener#keepsAtMost()}). Made with a schema registry
 * instead of a deserializer, it also reads of each value only the two fields it uses.
 *
 * <p>The two topics are kept apart on purpose. A token is revoked when either covers it. The feed
 * has one writer per key (the revocation stream, which merges), so its last record for a key is the
 * strongest; its tombstones remove only what the feed itself holds. Fast-path records (written by
 * the issuer the moment it accepts a revocation, before the stream has processed it) are held in a
 * second index, merged to the strongest per key, and dropped only once their own {@code
 * forget_after} (plus {@link #FAST_PATH_GRACE}) has passed, so a feed tombstone of an older
 * revocation can never erase a newer one that the stream has not written yet. A record this
 * validator ignores because it is weaker than what it holds does not make a validator that starts
 * later safe: that one reads only what is left, which is why the feed must be merged at its writer.
 *
 * <p>Freshness: it asks the brokers for the end offsets and keeps polling until its positions have
 * reached them; the index is then marked caught up at the time of that request, and it asks again
 * once a poll timeout has passed since that request (however often records arrive, at most one
 * end-offsets request per poll timeout). A fresh feed is ready, and marked caught up as of the
 * request it made at start, once it has read to the end offsets of that request. The target is kept
 * across polls on purpose: a broker answers a consumer's requests in order, so the end offsets
 * arrive only after the fetch already in flight, whose records are not consumed yet. Comparing each
 * answer with the position at that moment would find the feed behind whenever records arrive more
 * often than a fetch waits, and a busy feed would never count as caught up. When the brokers cannot
 * be reached, the last caught-up time ages and validators deny with {@code FEED_STALE} once it is
 * older than their staleness budget (fail closed).
 *
 * <p>A record whose value cannot be read (bad framing, an unknown schema id, an unreachable
 * registry, undecodable bytes) is applied as a revocation of its key without watermark (failing
 * closed: over-revoking is safe, missing a revocation is not) and counted.
 *
 * <p>Every revocation record it applies is told to its {@link AppliedRevocationListener}s (the
 * {@link StatusReporter}'s buffer), and {@link #status()} says where it stands, for status reports.
 *
 * <p>One background thread; {@link #close()} stops it. The index may be read from any thread.
 */
public final class RevocationFeed implements RevocationView, MeterBinder, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RevocationFeed.class);

  /**
   * How long a fast-path record is kept after its {@code forget_after}: more than any clock skew a
   * validator tolerates past a token's expiry, since the issuer's forget time does not include it.
   */
  public static final Duration FAST_PATH_GRACE = Duration.ofMinutes(10);

  /**
   * The default {@code metadata.max.age.ms} of the feed's consumer, which is also how often the
   * feed looks for partitions added to its topics: a new partition is read (from its beginning)
   * within about twice that age. Set {@code metadata.max.age.ms} in the consumer settings to change
   * both.
   */
  public static final Duration PARTITION_CHECK_INTERVAL = Duration.ofSeconds(30);

  /** The consumer's default {@code max.poll.records}: one poll takes what a fetch brought. */
  static final int MAX_POLL_RECORDS = 10_000;

  private static final String RECORDS_DESCRIPTION =
      "Feed records read, by what they were (revocation, tombstone, unreadable, fast-path)";

  private final Map<String, Object> consumerConfig;
  private final RevocationValueReader values;
  // Feed thread only: what the value reader read of the record at hand, reused.
  private final RevocationFields fields = new RevocationFields();
  private final String topic;
  private final @Nullable String fastPathTopic;
  private final RevocationIndex index;
  private final RevocationIndex fastPath = new RevocationIndex();
  // Feed thread only: when each fast-path key may go, and the keys in that order.
  private final Map<String, Long> fastPathForgetAt = new HashMap<>();
  private final PriorityQueue<Map.Entry<Long, String>> fastPathExpiry =
      new PriorityQueue<>(Map.Entry.comparingByKey());
  private volatile boolean fastPathEmpty = true;
  private final Clock clock;
  private final Duration pollTimeout;
  private final long partitionCheckMillis;
  private final Thread thread;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong tombstones = new AtomicLong();
  private final AtomicLong fastPathApplied = new AtomicLong();
  private final AtomicLong unreadable = new AtomicLong();
  private volatile long lag = -1;
  // Written by the feed thread, read by reporters: the next offset to read per partition. A
  // poll's positions are recorded here before listeners hear of its records, so a report that
  // lists a record also shows a position past it.
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private final List<AppliedRevocationListener> listeners = new CopyOnWriteArrayList<>();
  // Feed thread only: the end offsets the positions must reach, and when they were asked for.
  private @Nullable Map<TopicPartition, Long> target;
  private long targetAskedAt;
  // Feed thread only: when the end offsets the bootstrap reads to were asked for.
  private long startAskedAt;
  private volatile boolean running = true;
  private volatile @Nullable KafkaConsumer<ByteBuffer, ByteBuffer> consumer;
  // Guarded by itself: where the consumer's client metrics go, and their binder once bound.
  private final Object clientMetricsLock = new Object();
  private @Nullable MeterRegistry clientMetricsRegistry;
  private @Nullable KafkaClientMetrics clientMetrics;

  /**
   * Starts following the feed, each value read whole by {@code valueDeserializer}.
   *
   * @param consumerConfig Kafka consumer settings, at least {@code bootstrap.servers}; group,
   *     offset and deserializer settings are set here
   * @param valueDeserializer reads {@code Revocation} values (Confluent wire format); a value it
   *     throws on is unreadable
   * @param topic the feed topic, normally {@code tokenwatch.revocations}
   * @param fastPathTopic the issuer's fast path, normally {@code tokenwatch.revocation-fast-path};
   *     {@code null} follows the feed alone, for readers that can wait for the revocation stream
   * @param index where the feed's revocations go; it is marked ready and caught up by this feed
   *     (when both topics are)
   * @param clock the validator's clock, for freshness and for dropping expired fast-path records
   * @param pollTimeout how long one poll waits; also how often freshness is renewed
   */
  public RevocationFeed(
      Map<String, Object> consumerConfig,
      Deserializer<Revocation> valueDeserializer,
      String topic,
      @Nullable String fastPathTopic,
      RevocationIndex index,
      Clock clock,
      Duration pollTimeout) {
    this(
        consumerConfig,
        RevocationValueReader.deserializing(valueDeserializer),
        topic,
        fastPathTopic,
        index,
        clock,
        pollTimeout);
  }

  /**
   * Starts following the feed, reading of each {@code Revocation} value (Confluent wire format,
   * writer schema from {@code registry} by id) only the selector's watermark and the forget time,
   * and skipping the rest unread: a fresh validator loads a large feed with less CPU. A value is
   * unreadable exactly where the whole decode would find it so (see the class comment); a field a
   * newer writer added is skipped by the writer schema.
   *
   * @param registry the schema registry the values' writer schemas are fetched from (once per id)
   * @see #RevocationFeed(Map, Deserializer, String, String, RevocationIndex, Clock, Duration)
   */
  public RevocationFeed(
      Map<String, Object> consumerConfig,
      SchemaRegistryClient registry,
      String topic,
      @Nullable String fastPathTopic,
      RevocationIndex index,
      Clock clock,
      Duration pollTimeout) {
    this(
        consumerConfig,
        new ProjectedRevocationReader(registry),
        topic,
        fastPathTopic,
        index,
        clock,
        pollTimeout);
  }

  private RevocationFeed(
      Map<String, Object> consumerConfig,
      RevocationValueReader values,
      String topic,
      @Nullable String fastPathTopic,
      RevocationIndex index,
      Clock clock,
      Duration pollTimeout) {
    this.consumerConfig = new HashMap<>(requireNonNull(consumerConfig, "consumerConfig"));
    this.values = requireNonNull(values, "values");
    this.topic = requireNonNull(topic, "topic");
    this.fastPathTopic = fastPathTopic;
    if (topic.equals(fastPathTopic)) {
      throw new IllegalArgumentException("the fast path must be another topic than the feed");
    }
    this.index = requireNonNull(index, "index");
    this.clock = requireNonNull(clock, "clock");
    this.pollTimeout = requireNonNull(pollTimeout, "pollTimeout");
    this.consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
    this.consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.consumerConfig.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-validator-feed");
    // Bootstrap reads the whole feed: big polls keep the per-poll bookkeeping out of the way.
    this.consumerConfig.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
    // How soon partitions added to the topics are seen (the cached metadata's age).
    this.consumerConfig.putIfAbsent(
        ConsumerConfig.METADATA_MAX_AGE_CONFIG, (int) PARTITION_CHECK_INTERVAL.toMillis());
    this.partitionCheckMillis =
        Math.max(
            1,
            Long.parseLong(
                String.valueOf(this.consumerConfig.get(ConsumerConfig.METADATA_MAX_AGE_CONFIG))
                    .trim()));
    this.thread = new Thread(this::run, "tokenwatch-revocation-feed");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** The index this feed fills. */
  public RevocationIndex index() {
    return index;
  }

  @Override
  public @Nullable String revokedBy(io.tokenwatch.validator.VerifiedToken token) {
    String revoked = index.revokedBy(token);
    if (revoked != null || fastPathEmpty) {
      return revoked;
    }
    return fastPath.revokedBy(token);
  }

  @Override
  public Freshness freshness() {
    return index.freshness();
  }

  /** Whether the feed has bootstrapped. */
  public boolean isReady() {
    return index.freshness().ready();
  }

  /**
   * Waits until the feed has bootstrapped.
   *
   * @return whether it is ready
   */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Where the feed stands: ready, staleness, lag, positions and live revocations. Thread-safe; the
   * values are read one after another, not as one atomic snapshot.
   */
  public FeedStatus status() {
    List<FeedStatus.Position> at = new ArrayList<>();
    positions.forEach(
        (tp, next) -> at.add(new FeedStatus.Position(tp.topic(), tp.partition(), next)));
    at.sort(
        Comparator.comparing(FeedStatus.Position::topic)
            .thenComparingInt(FeedStatus.Position::partition));
    return new FeedStatus(
        isReady(),
        stalenessMillis(),
        lag,
        at,
        index.tokenIdCount()
            + index.selectorCount()
            + fastPath.tokenIdCount()
            + fastPath.selectorCount());
  }

  /**
   * Tells {@code listener} of every revocation record applied from now on, on the feed's thread.
   */
  public void addListener(AppliedRevocationListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /** Milliseconds since the feed was last known caught up, or -1 when not ready. */
  public long stalenessMillis() {
    Freshness f = index.freshness();
    return f.ready() ? Math.max(0, clock.millis() - f.caughtUpAtMillis()) : -1;
  }

  private void run() {
    try (KafkaConsumer<ByteBuffer, ByteBuffer> c =
        new KafkaConsumer<>(
            consumerConfig, new ByteBufferDeserializer(), new ByteBufferDeserializer())) {
      consumer = c;
      bindClientMetrics();
      if (!running) {
        return;
      }
      List<TopicPartition> partitions = new ArrayList<>(partitions(c, topic));
      if (fastPathTopic != null) {
        partitions.addAll(partitions(c, fastPathTopic));
      }
      if (partitions.isEmpty() || !running) {
        return;
      }
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> startEnd = null;
      long partitionsCheckedAt = clock.millis();
      while (running) {
        try {
          if (startEnd == null) {
            long before = clock.millis();
            startEnd = endOffsets(c, partitions);
            if (startEnd != null) {
              startAskedAt = before;
              reserve(c, startEnd);
            }
          }
          if (clock.millis() - partitionsCheckedAt >= partitionCheckMillis) {
            partitionsCheckedAt = clock.millis();
            partitions = addNewPartitions(c, partitions);
          }
          followOnce(c, partitions, startEnd);
        } catch (WakeupException e) {
          throw e;
        } catch (KafkaException e) {
          log.warn("Revocation feed poll failed; retrying", e);
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("Revocation feed stopped; validators will deny with FEED_STALE", e);
    } finally {
      consumer = null;
      unbindClientMetrics();
    }
  }

  private void followOnce(
      KafkaConsumer<ByteBuffer, ByteBuffer> c,
      List<TopicPartition> partitions,
      @Nullable Map<TopicPartition, Long> startEnd) {
    poll(c);
    Map<TopicPartition, Long> end = target;
    long sinceAsked = clock.millis() - targetAskedAt;
    if (end != null && sinceAsked > pollTimeout.toMillis() * 10) {
      end = null; // not reached in many polls (a recreated topic, say): ask afresh
    }
    if (end == null && isReady() && sinceAsked < pollTimeout.toMillis()) {
      // Caught up to end offsets asked for less than a poll timeout ago: the freshness is renewed
      // at most once per poll timeout, however often records arrive (one request each time).
      return;
    }
    if (end == null) {
      long before = clock.millis();
      end = endOffsets(c, partitions);
      if (end == null) {
        return; // brokers unreachable: freshness ages
      }
      target = end;
      targetAskedAt = before;
    }
    long behind = 0;
    boolean reachedStart = startEnd != null;
    for (TopicPartition tp : partitions) {
      long position = c.position(tp, pollTimeout);
      positions.put(tp, position);
      behind += Math.max(0, offset(end, tp) - position);
      if (startEnd != null && position < offset(startEnd, tp)) {
        reachedStart = false;
      }
    }
    lag = behind;
    if (behind == 0) {
      target = null;
    }
    if (isReady() ? behind == 0 : reachedStart) {
      // Bootstrapping, the positions may have reached only the end offsets asked for at start:
      // what the feed holds is then known complete as of that request, not of the later one.
      index.markCaughtUp(behind == 0 ? targetAskedAt : startAskedAt);
      if (ready.getCount() > 0) {
        log.info(
            "Revocation feed ready: {} token ids, {} selectors",
            index.tokenIdCount(),
            index.selectorCount());
        ready.countDown();
      }
    }
  }

  /**
   * Sizes the index for the records the feed holds before reading them: at most one token id each
   * (selectors, tombstones and records compaction has not removed yet make it an overestimate),
   * within a quarter of the heap.
   */
  private void reserve(KafkaConsumer<ByteBuffer, ByteBuffer> c, Map<TopicPartition, Long> end) {
    List<TopicPartition> feedPartitions = new ArrayList<>();
    for (TopicPartition tp : end.keySet()) {
      if (tp.topic().equals(topic)) {
        feedPartitions.add(tp);
      }
    }
    try {
      Map<TopicPartition, Long> begin =
          c.beginningOffsets(feedPartitions, pollTimeout.multipliedBy(5));
      long records = 0;
      for (TopicPartition tp : feedPartitions) {
        records += Math.max(0, offset(end, tp) - offset(begin, tp));
      }
      // A log compaction has not cleaned yet may hold many times its live records: never size
      // the table beyond a quarter of the heap up front (about 22 bytes per id at the table's
      // load factor); past that it grows as it reads, as it would without a hint.
      long affordable = Runtime.getRuntime().maxMemory() / 4 / 22;
      index.reserveTokenIds((int) Math.min(Integer.MAX_VALUE / 4, Math.min(records, affordable)));
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      log.debug("Beginning offsets of {} not available; the index grows as it reads", topic);
    }
  }

  /**
   * Assigns partitions added to the topics since the last look, read from their beginning; the
   * cached metadata ({@code metadata.max.age.ms}) is what is looked at, so this costs no request.
   * Until a new partition is read to its end the feed counts as behind: a ready feed's freshness is
   * not renewed meanwhile (and ages towards {@code FEED_STALE}), while one still bootstrapping
   * becomes ready once it reaches the end offsets it saw at start, as before.
   */
  private List<TopicPartition> addNewPartitions(
      KafkaConsumer<ByteBuffer, ByteBuffer> c, List<TopicPartition> assigned) {
    List<TopicPartition> added = new ArrayList<>();
    List<String> topics = new ArrayList<>();
    topics.add(topic);
    if (fastPathTopic != null) {
      topics.add(fastPathTopic);
    }
    for (String t : topics) {
      List<PartitionInfo> infos = c.partitionsFor(t, pollTimeout);
      if (infos == null) {
        continue;
      }
      for (PartitionInfo info : infos) {
        TopicPartition tp = new TopicPartition(info.topic(), info.partition());
        if (!assigned.contains(tp) && !added.contains(tp)) {
          added.add(tp);
        }
      }
    }
    if (added.isEmpty()) {
      return assigned;
    }
    List<TopicPartition> all = new ArrayList<>(assigned);
    all.addAll(added);
    // assign() keeps the positions of partitions that stay assigned.
    c.assign(all);
    c.seekToBeginning(added);
    target = null;
    log.info("Revocation feed reads partitions added since start: {}", added);
    return all;
  }

  private List<TopicPartition> partitions(KafkaConsumer<ByteBuffer, ByteBuffer> c, String topic) {
    while (running) {
      try {
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos != null && !infos.isEmpty()) {
          List<TopicPartition> partitions = new ArrayList<>();
          for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
          }
          return partitions;
        }
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        // retried below
      }
      log.warn("Revocation feed topic {} not available yet; retrying", topic);
    }
    return List.of();
  }

  private @Nullable Map<TopicPartition, Long> endOffsets(
      KafkaConsumer<ByteBuffer, ByteBuffer> c, List<TopicPartition> partitions) {
    try {
      return c.endOffsets(partitions, pollTimeout.multipliedBy(5));
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      log.debug("End offsets of {} not available: {}", topic, e.getMessage());
      return null;
    }
  }

  private void poll(KafkaConsumer<ByteBuffer, ByteBuffer> c) {
    // Keys and values are the fetched bytes themselves (ByteBufferDeserializer copies nothing).
    ConsumerRecords<ByteBuffer, ByteBuffer> records = c.poll(pollTimeout);
    int keep = keptByListeners();
    // The latest records of this poll to tell listeners of, as a ring.
    ConsumerRecord<?, ?>[] toTell =
        keep > 0 && !records.isEmpty()
            ? new ConsumerRecord<?, ?>[Math.min(keep, records.count())]
            : null;
    long told = 0;
    for (TopicPartition tp : records.partitions()) {
      boolean feed = tp.topic().equals(topic);
      List<ConsumerRecord<ByteBuffer, ByteBuffer>> batch = records.records(tp);
      if (batch.isEmpty()) {
        continue;
      }
      for (ConsumerRecord<ByteBuffer, ByteBuffer> record : batch) {
        if (apply(feed, record) && toTell != null) {
          toTell[(int) (told % toTell.length)] = record;
          told++;
        }
      }
      positions.merge(tp, batch.get(batch.size() - 1).offset() + 1, Math::max);
    }
    // After every position of the poll is recorded: a report that lists a record also shows a
    // position past it.
    if (toTell != null && told > 0) {
      tell(toTell, told);
    }
    forgetExpiredFastPath();
  }

  /** The most any listener keeps of one poll; 0 when none listens. */
  private int keptByListeners() {
    int keep = 0;
    for (AppliedRevocationListener listener : listeners) {
      keep = Math.max(keep, Math.max(1, listener.keepsAtMost()));
    }
    return keep;
  }

  /**
   * Tells the listeners of the {@code told} records applied in a poll, the latest of which {@code
   * toTell} holds (a ring); the older ones, more than any listener keeps, are passed over with
   * their count.
   */
  private void tell(ConsumerRecord<?, ?>[] toTell, long told) {
    int kept = (int) Math.min(told, toTell.length);
    long passedOver = told - kept;
    if (passedOver > 0) {
      for (AppliedRevocationListener listener : listeners) {
        try {
          listener.onPassedOver(passedOver);
        } catch (RuntimeException e) {
          log.warn("Applied-revocation listener {} failed", listener, e);
        }
      }
    }
    for (long n = passedOver; n < told; n++) {
      ConsumerRecord<?, ?> record = requireNonNull(toTell[(int) (n % toTell.length)]);
      tellOne(
          record.topic(),
          record.partition(),
          record.offset(),
          text((ByteBuffer) requireNonNull(record.key())),
          record.timestamp());
    }
  }

  /**
   * Applies one record of the feed (or of the fast path); whether listeners are to hear of it (a
   * revocation applied, or an unreadable one revoked by its key).
   */
  private boolean apply(boolean feed, ConsumerRecord<ByteBuffer, ByteBuffer> record) {
    ByteBuffer key = record.key();
    ByteBuffer value = record.value();
    RevocationFields read = null;
    if (value != null) {
      try {
        values.read(record.topic(), record.headers(), value, fields);
        read = fields;
      } catch (RuntimeException e) {
        return applyUnreadable(record, e);
      }
    }
    return feed ? apply(key, read) : applyFastPath(key, read);
  }

  /** A key's UTF-8 text. */
  private static String text(ByteBuffer bytes) {
    if (bytes.hasArray()) {
      return new String(
          bytes.array(),
          bytes.arrayOffset() + bytes.position(),
          bytes.remaining(),
          StandardCharsets.UTF_8);
    }
    return StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
  }

  private void tellOne(String topic, int partition, long offset, String key, long timestamp) {
    AppliedRevocation applied =
        new AppliedRevocation(
            topic,
            partition,
            offset,
            key,
            Instant.ofEpochMilli(Math.max(0, timestamp)),
            clock.instant());
    for (AppliedRevocationListener listener : listeners) {
      try {
        listener.onApplied(applied);
      } catch (RuntimeException e) {
        log.warn("Applied-revocation listener {} failed", listener, e);
      }
    }
  }

  /**
   * A fast-path record: merged into the fast-path index (strongest wins) and kept until its own
   * forget time; one whose forget time has passed can revoke nothing any more and is skipped.
   */
  private boolean applyFastPath(@Nullable ByteBuffer keyBytes, @Nullable RevocationFields value) {
    if (keyBytes == null || value == null) {
      return false; // the fast path has no tombstones: its records leave by their forget time
    }
    long forgetAt = value.forgetAfterMillis() + FAST_PATH_GRACE.toMillis();
    if (forgetAt <= clock.millis()) {
      return false;
    }
    String key = text(keyBytes);
    if (!fastPath.put(key, value.issuedBeforeMillis())) {
      log.warn("Fast-path revocation with a selector kind this validator does not know: {}", key);
      return false;
    }
    fastPathApplied.incrementAndGet();
    Long held = fastPathForgetAt.get(key);
    if (held == null || held < forgetAt) {
      fastPathForgetAt.put(key, forgetAt);
      fastPathExpiry.add(Map.entry(forgetAt, key));
    }
    fastPathEmpty = false;
    return true;
  }

  private void forgetExpiredFastPath() {
    long now = clock.millis();
    while (!fastPathExpiry.isEmpty() && fastPathExpiry.peek().getKey() <= now) {
      Map.Entry<Long, String> due = fastPathExpiry.poll();
      // Only the key's latest forget time removes it; earlier entries were superseded.
      if (due.getKey().equals(fastPathForgetAt.get(due.getValue()))) {
        fastPathForgetAt.remove(due.getValue());
        fastPath.remove(due.getValue());
      }
    }
    fastPathEmpty = fastPathForgetAt.isEmpty();
  }

  /** Applies a feed record; whether it was a revocation now in force (not a tombstone). */
  private boolean apply(@Nullable ByteBuffer key, @Nullable RevocationFields value) {
    if (key == null) {
      return false;
    }
    byte[] bytes;
    int offset;
    if (key.hasArray()) {
      bytes = key.array();
      offset = key.arrayOffset() + key.position();
    } else {
      bytes = new byte[key.remaining()];
      key.duplicate().get(bytes);
      offset = 0;
    }
    if (value == null) {
      index.remove(bytes, offset, key.remaining());
      tombstones.incrementAndGet();
      return false;
    }
    applied.incrementAndGet();
    if (!index.put(bytes, offset, key.remaining(), value.issuedBeforeMillis())) {
      log.warn("Revocation with a selector kind this validator does not know: {}", text(key));
      return false;
    }
    return true;
  }

  /** Revokes the key of a record whose value cannot be read; whether there was a key. */
  private boolean applyUnreadable(
      ConsumerRecord<ByteBuffer, ByteBuffer> record, RuntimeException e) {
    unreadable.incrementAndGet();
    ByteBuffer keyBytes = record.key();
    if (keyBytes == null) {
      log.error(
          "Unreadable revocation without key at {}-{}@{}",
          record.topic(),
          record.partition(),
          record.offset(),
          e);
      return false;
    }
    String key = text(keyBytes);
    log.error(
        "Unreadable revocation {} at {}-{}@{}; revoking its key without watermark",
        key,
        record.topic(),
        record.partition(),
        record.offset(),
        e);
    index.put(key, null);
    return true;
  }

  /**
   * Registers {@code tokenwatch.revocation.feed.staleness} (seconds, -1 when not ready), {@code
   * .lag} (records behind), {@code .ready}, {@code .records} (applied, tombstones, unreadable,
   * fast-path) and {@code tokenwatch.revocation.index.size} per kind.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("tokenwatch.revocation.feed.staleness", this, f -> f.stalenessMillis() / 1000.0)
        .baseUnit("seconds")
        .description("Time since the revocation feed was last known caught up; -1 when not ready")
        .register(registry);
    Gauge.builder("tokenwatch.revocation.feed.lag", this, f -> f.lag)
        .description("Records the feed is behind the end offsets at its last check")
        .register(registry);
    Gauge.builder("tokenwatch.revocation.feed.ready", this, f -> f.isReady() ? 1 : 0)
        .description("1 once the feed has caught up with the revocation topics, else 0")
        .register(registry);
    FunctionCounter.builder("tokenwatch.revocation.feed.records", applied, AtomicLong::get)
        .tag("type", "revocation")
        .description(RECORDS_DESCRIPTION)
        .register(registry);
    FunctionCounter.builder("tokenwatch.revocation.feed.records", tombstones, AtomicLong::get)
        .tag("type", "tombstone")
        .description(RECORDS_DESCRIPTION)
        .register(registry);
    FunctionCounter.builder("tokenwatch.revocation.feed.records", unreadable, AtomicLong::get)
        .tag("type", "unreadable")
        .description(RECORDS_DESCRIPTION)
        .register(registry);
    FunctionCounter.builder("tokenwatch.revocation.feed.records", fastPathApplied, AtomicLong::get)
        .tag("type", "fast-path")
        .description(RECORDS_DESCRIPTION)
        .register(registry);
    Gauge.builder("tokenwatch.revocation.index.size", index, RevocationIndex::tokenIdCount)
        .tag("kind", "token")
        .description("Revocations held in the index, by kind (token ids, selectors)")
        .register(registry);
    Gauge.builder("tokenwatch.revocation.index.size", index, RevocationIndex::selectorCount)
        .tag("kind", "selector")
        .description("Revocations held in the index, by kind (token ids, selectors)")
        .register(registry);
  }

  /**
   * Also registers the feed consumer's Kafka client metrics ({@code kafka.consumer.*}, Micrometer's
   * {@link KafkaClientMetrics}) in {@code registry}, now or as soon as the consumer exists; they
   * are removed when the feed closes. For a service whose registry has no other Kafka consumer's
   * metrics (the validator sidecar): two clients' binders on one registry would compete for the
   * same meter names.
   */
  public void bindClientMetricsTo(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    synchronized (clientMetricsLock) {
      clientMetricsRegistry = registry;
    }
    bindClientMetrics();
  }

  private void bindClientMetrics() {
    synchronized (clientMetricsLock) {
      KafkaConsumer<ByteBuffer, ByteBuffer> c = consumer;
      MeterRegistry registry = clientMetricsRegistry;
      if (clientMetrics == null && c != null && registry != null) {
        KafkaClientMetrics metrics = new KafkaClientMetrics(c);
        metrics.bindTo(registry);
        clientMetrics = metrics;
      }
    }
  }

  private void unbindClientMetrics() {
    synchronized (clientMetricsLock) {
      if (clientMetrics != null) {
        clientMetrics.close();
        clientMetrics = null;
      }
    }
  }

  /** Stops following; the index keeps what it has but is no longer renewed (so it goes stale). */
  @Override
  public void close() {
    running = false;
    KafkaConsumer<ByteBuffer, ByteBuffer> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      thread.join(Duration.ofSeconds(30).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "RevocationFeed{" + topic + ", " + fastPathTopic + ", ready=" + isReady() + "}";
  }

  /** The end offset of {@code tp}; 0 for a partition the answer does not name (none to read). */
  private static long offset(Map<TopicPartition, Long> offsets, TopicPartition tp) {
    Long offset = offsets.get(tp);
    return offset == null ? 0 : offset;
  }
}
