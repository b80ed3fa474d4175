package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tokenwatch.events.FeedPosition;
import io.tokenwatch.events.ValidatorStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the validator's status as a {@link ValidatorStatus} event (key: the validator id) to
 * {@code tokenwatch.validator-status} every interval, at once on start: the feed's readiness,
 * staleness, lag and positions, the live revocations, and the revocations applied since the
 * previous report ({@link RecentRevocations}, bounded, drop-oldest, counted), so readers see every
 * validator's state and how long revocations take to reach it, and notice one that goes silent.
 *
 * <p>Never in the way of validation: it runs on its own thread, the feed only adds to a bounded
 * buffer, and a report that cannot be sent (brokers unreachable, send failed or timed out) is
 * dropped and counted ({@code tokenwatch.status.reports{outcome=failed}}, and {@code
 * reports_dropped} in later reports), its listed revocations counted in the next report's {@code
 * recent_dropped}.
 *
 * <p>Thread-safe. {@link #close()} stops reporting and closes the producer.
 */
public final class StatusReporter implements MeterBinder, AutoCloseable {

  /** The default reporting interval. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  /** The default bound on revocations listed in one report. */
  public static final int DEFAULT_RECENT_CAPACITY = 1_000;

  private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);
  private static final String REPORTS_DESCRIPTION =
      "Status reports by outcome: sent (acknowledged), failed (not delivered)";

  private final Producer<String, ValidatorStatus> producer;
  private final String topic;
  private final String validatorId;
  private final @Nullable String audience;
  private final Supplier<FeedStatus> feed;
  private final RecentRevocations recent;
  private final Duration interval;
  private final Clock clock;
  private final Instant startedAt;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final @Nullable ScheduledExecutorService scheduler;
  // Guarded by this: reports are numbered and built one at a time.
  private long sequence;

  /**
   * Starts reporting the status of {@code feed} with its own producer.
   *
   * @param producerConfig Kafka producer settings, at least {@code bootstrap.servers}; {@code
   *     max.block.ms} and {@code delivery.timeout.ms} default to bounds near the interval so a
   *     report to unreachable brokers fails instead of piling up
   * @param valueSerializer writes {@code ValidatorStatus} values (Confluent wire format)
   * @param topic normally {@code tokenwatch.validator-status}
   * @param validatorId identifies this validator, as in its usage reports
   * @param audience the audience it validates for, or {@code null}
   * @param feed the revocation feed reported on; this reporter listens to what it applies
   * @param interval how often to report; positive
   * @param clock the validator's clock
   */
  public StatusReporter(
      Map<String, Object> producerConfig,
      Serializer<ValidatorStatus> valueSerializer,
      String topic,
      String validatorId,
      @Nullable String audience,
      RevocationFeed feed,
      Duration interval,
      Clock clock) {
    this(
        createProducer(producerConfig, valueSerializer, interval),
        topic,
        validatorId,
        audience,
        feed::status,
        listenedTo(feed, DEFAULT_RECENT_CAPACITY),
        interval,
        clock,
        true);
  }

  /**
   * A reporter sending through {@code producer} (closed on {@link #close()}) what {@code feed} says
   * and {@code recent} holds; it reports every {@code interval} on its own thread when {@code
   * scheduled}, else only when {@link #report()} is called.
   */
  StatusReporter(
      Producer<String, ValidatorStatus> producer,
      String topic,
      String validatorId,
      @Nullable String audience,
      Supplier<FeedStatus> feed,
      RecentRevocations recent,
      Duration interval,
      Clock clock,
      boolean scheduled) {
    this.producer = requireNonNull(producer, "producer");
    this.topic = requireNonNull(topic, "topic");
    this.validatorId = requireNonNull(validatorId, "validatorId");
    this.audience = audience;
    this.feed = requireNonNull(feed, "feed");
    this.recent = requireNonNull(recent, "recent");
    this.interval = requireNonNull(interval, "interval");
    this.clock = requireNonNull(clock, "clock");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive: " + interval);
    }
    this.startedAt = clock.instant();
    if (scheduled) {
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, "tokenwatch-status-reporter");
                thread.setDaemon(true);
                return thread;
              });
      // Never cancelled but by close(); reportQuietly catches what a report throws.
      Future<?> unused =
          scheduler.scheduleAtFixedRate(
              this::reportQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    } else {
      scheduler = null;
    }
  }

  private static RecentRevocations listenedTo(RevocationFeed feed, int capacity) {
    RecentRevocations recent = new RecentRevocations(capacity);
    requireNonNull(feed, "feed").addListener(recent);
    return recent;
  }

  private static Producer<String, ValidatorStatus> createProducer(
      Map<String, Object> producerConfig,
      Serializer<ValidatorStatus> valueSerializer,
      Duration interval) {
    requireNonNull(producerConfig, "producerConfig");
    requireNonNull(valueSerializer, "valueSerializer");
    requireNonNull(interval, "interval");
    Map<String, Object> config = new HashMap<>(producerConfig);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    // A report older than a few intervals is worth little: fail it (counted) rather than queue
    // reports behind an unreachable broker. Kafka requires delivery >= linger + request timeout.
    int bound = (int) Math.min(Integer.MAX_VALUE, Math.max(interval.toMillis() * 3, 15_000));
    config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, bound);
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-validator-status");
    return new KafkaProducer<>(config, new StringSerializer(), valueSerializer);
  }

  /** The buffer of revocations applied since the last report. */
  public RecentRevocations recent() {
    return recent;
  }

  /** Reports the producer acknowledged. */
  public long sentCount() {
    return sent.get();
  }

  /** Reports not delivered. */
  public long failedCount() {
    return failed.get();
  }

  private void reportQuietly() {
    try {
      report();
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again: a reporter must not fall silent.
      log.warn("Status report failed", e);
    }
  }

  /** Builds and sends one report now; never blocks longer than the producer's {@code max.block}. */
  synchronized void report() {
    RecentRevocations.Drained drained = recent.drain();
    ValidatorStatus status = toEvent(++sequence, feed.get(), drained);
    try {
      Future<?> unused =
          producer.send(
              new ProducerRecord<>(topic, validatorId, status),
              (metadata, exception) -> {
                if (exception == null) {
                  sent.incrementAndGet();
                } else {
                  undelivered(drained, exception);
                }
              });
    } catch (RuntimeException e) {
      undelivered(drained, e);
    }
  }

  /** What an undelivered report listed or counted is counted in the next one. */
  private void undelivered(RecentRevocations.Drained drained, Exception cause) {
    failed.incrementAndGet();
    recent.lost(drained);
    log.warn("Status report not delivered: {}", cause.toString());
  }

  private ValidatorStatus toEvent(
      long number, FeedStatus status, RecentRevocations.Drained drained) {
    List<FeedPosition> positions =
        status.positions().stream()
            .map(
                p ->
                    FeedPosition.newBuilder()
                        .setTopic(p.topic())
                        .setPartition(p.partition())
                        .setNextOffset(p.nextOffset())
                        .build())
            .toList();
    List<io.tokenwatch.events.AppliedRevocation> applied =
        drained.applied().stream()
            .map(
                a ->
                    io.tokenwatch.events.AppliedRevocation.newBuilder()
                        .setTopic(a.topic())
                        .setPartition(a.partition())
                        .setOffset(a.offset())
                        .setSelector(a.selector())
                        .setRecordTimestamp(a.recordTimestamp())
                        .setAppliedAt(a.appliedAt())
                        .build())
            .toList();
    return ValidatorStatus.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(clock.instant())
        .setValidatorId(validatorId)
        .setAudience(audience)
        .setStartedAt(startedAt)
        .setSequence(number)
        .setIntervalMs(interval.toMillis())
        .setReady(status.ready())
        .setStalenessMs(
            status.ready() && status.stalenessMillis() >= 0 ? status.stalenessMillis() : null)
        .setLag(status.lag() >= 0 ? status.lag() : null)
        .setPositions(positions)
        .setLiveRevocations(status.liveRevocations())
        .setRecent(applied)
        .setRecentDropped(drained.dropped())
        .setReportsDropped(failed.get())
        .build();
  }

  /**
   * Registers {@code tokenwatch.status.reports} per {@code outcome} (sent, failed) and {@code
   * tokenwatch.status.recent.dropped} (applied revocations no delivered report lists).
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("tokenwatch.status.reports", sent, AtomicLong::get)
        .tag("outcome", "sent")
        .description(REPORTS_DESCRIPTION)
        .register(registry);
    FunctionCounter.builder("tokenwatch.status.reports", failed, AtomicLong::get)
        .tag("outcome", "failed")
        .description(REPORTS_DESCRIPTION)
        .register(registry);
    FunctionCounter.builder(
            "tokenwatch.status.recent.dropped", recent, RecentRevocations::droppedTotal)
        .description(
            "Applied revocations no status report lists (buffer full, or report not delivered)")
        .register(registry);
  }

  /** Stops reporting and closes the producer (waiting up to 5 s for reports in flight). */
  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      try {
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    producer.close(Duration.ofSeconds(5));
  }
}
