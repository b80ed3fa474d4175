package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.Evidence;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.Severity;
import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.PushOutcome;
import io.tokenwatch.signals.PushPolicy;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamRegistry;
import io.tokenwatch.signals.StreamStatus;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push delivery (RFC 8935) of the SETs on {@code tokenwatch.ssf-events}: a consumer group, so
 * instances share the partitions; each PUSH stream gets its SETs in offset order, one at a time.
 *
 * <p>Every stream has a lane: its undelivered SETs in offset order and a cursor (the next offset to
 * deliver), kept on {@code tokenwatch.ssf-delivery} as {@code {"method":"push",...}}. A failing
 * receiver holds its own lane only: other streams on the partition move on. A lane buffers at most
 * {@code bufferPerStream} SETs; beyond that it stops buffering and later re-reads the partition
 * from where it stopped (catch-up), so a receiver that is down costs no memory. The group's
 * committed offset of a partition is the lowest offset any lane still needs, so a restart re-reads
 * what is undelivered and skips, per stream, what its cursor says was delivered.
 *
 * <p>Paused streams are held; disabled, deleted-and-expired and poll streams are skipped. A lane
 * whose oldest undelivered SET is older than {@link PushPolicy#maxPendingAge} disables its stream
 * through the registry, raises a {@code SecurityAlert} and skips its pending SETs. Before each
 * connection the endpoint is checked against the stream endpoint rules.
 *
 * <p>Runs one polling thread and a pool of delivery threads from {@link #start}; {@link #close}
 * stops them. Thread-safe.
 */
public final class PushDeliverer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PushDeliverer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration HOLD_RECHECK = Duration.ofMillis(500);
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(500);

  /**
   * At most one cursor record per lane this often: one per delivered SET would be a thousand writes
   * a second at a thousand pushes a second, for a value that is allowed to lag.
   */
  private static final long CURSOR_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /** What the delivery part reads and writes, and how. */
  public record Topics(String events, String delivery, String alerts, String deadLetters) {
    public Topics {
      requireNonNull(events, "events");
      requireNonNull(delivery, "delivery");
      requireNonNull(alerts, "alerts");
      requireNonNull(deadLetters, "deadLetters");
    }
  }

  private final Map<String, Object> consumerSettings;
  private final Topics topics;
  private final StreamRegistry registry;
  private final PushPolicy policy;
  private final Predicate<URI> endpointAllowed;
  private final Producer<byte[], byte[]> producer;
  private final Serializer<SecurityAlert> alertSerializer;
  private final Clock clock;
  private final int bufferPerStream;
  private final PushClient client;
  private final DeadLetters deadLetters;
  private final Consumer<byte[], byte[]> consumer;
  private final ScheduledExecutorService workers;
  private final Thread poller;
  private final Map<TopicPartition, PartitionState> partitions = new ConcurrentHashMap<>();
  private final Map<String, Long> loadedCursors = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> lastCommitted = new HashMap<>();
  private final Counter delivered;
  private final MeterRegistry meters;
  private final Timer latency;
  private volatile boolean running = true;

  private static final class PartitionState {
    final TopicPartition partition;
    volatile long mainNext = -1;
    final Map<String, Lane> lanes = new ConcurrentHashMap<>();

    PartitionState(TopicPartition partition) {
      this.partition = partition;
    }
  }

  /** A stream's lane on one partition of the events topic. */
  private static final class Lane extends StreamLane {
    final PartitionState partition;
    private long cursorWrittenAt = Long.MIN_VALUE / 2; // guarded by this
    private long writtenCursor = -1; // guarded by this
    private long dirtyCursor = -1; // guarded by this

    Lane(String streamId, PartitionState partition, long cursor, int buffer) {
      super(streamId, cursor, buffer);
      this.partition = partition;
    }

    /**
     * The cursor to write now, or -1 when there is nothing new or it waits for the next commit: at
     * most one cursor record per {@link #CURSOR_INTERVAL_NANOS} and lane unless {@code now} is
     * forced. A cursor written late only means a repeat after a restart (same jti); {@link #commit}
     * writes the waiting ones before the group's offsets move past them.
     */
    synchronized long cursorToWrite(long cursor, long nowNanos, boolean force) {
      if (cursor <= writtenCursor) {
        return -1;
      }
      if (force || nowNanos - cursorWrittenAt >= CURSOR_INTERVAL_NANOS) {
        writtenCursor = cursor;
        cursorWrittenAt = nowNanos;
        dirtyCursor = -1;
        return cursor;
      }
      dirtyCursor = Math.max(dirtyCursor, cursor);
      return -1;
    }

    /** The cursor waiting to be written, taken; -1 when none. */
    synchronized long takeWaitingCursor(long nowNanos) {
      long waiting = dirtyCursor;
      dirtyCursor = -1;
      if (waiting <= writtenCursor) {
        return -1;
      }
      writtenCursor = waiting;
      cursorWrittenAt = nowNanos;
      return waiting;
    }
  }

  /**
   * @param consumerSettings settings for the consumers (bootstrap servers, group id, overrides);
   *     deserializers, auto commit and isolation are set here
   * @param producer an idempotent producer with {@code acks=all}, for cursors, alerts and dead
   *     letters
   * @param alertSerializer the Avro serializer of {@code SecurityAlert}
   * @param endpointAllowed the stream endpoint rules, checked before each connection
   * @param bufferPerStream SETs a lane holds in memory before it switches to catch-up reading
   * @param threads delivery threads: how many receivers may be waited on at once
   */
  public PushDeliverer(
      Map<String, Object> consumerSettings,
      Topics topics,
      StreamRegistry registry,
      PushPolicy policy,
      Predicate<URI> endpointAllowed,
      Producer<byte[], byte[]> producer,
      Serializer<SecurityAlert> alertSerializer,
      Clock clock,
      MeterRegistry meters,
      int bufferPerStream,
      int threads) {
    this.consumerSettings = new HashMap<>(requireNonNull(consumerSettings, "consumerSettings"));
    this.consumerSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumerSettings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    this.consumerSettings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.topics = requireNonNull(topics, "topics");
    this.registry = requireNonNull(registry, "registry");
    this.policy = requireNonNull(policy, "policy");
    this.endpointAllowed = requireNonNull(endpointAllowed, "endpointAllowed");
    this.producer = requireNonNull(producer, "producer");
    this.alertSerializer = requireNonNull(alertSerializer, "alertSerializer");
    this.clock = requireNonNull(clock, "clock");
    this.meters = requireNonNull(meters, "meters");
    if (bufferPerStream < 1 || threads < 1) {
      throw new IllegalArgumentException("bufferPerStream and threads must be positive");
    }
    this.bufferPerStream = bufferPerStream;
    this.client = new PushClient(policy.timeout());
    this.deadLetters = new DeadLetters(producer, topics.deadLetters());
    this.consumer =
        new KafkaConsumer<>(
            this.consumerSettings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    java.util.concurrent.ScheduledThreadPoolExecutor pool =
        new java.util.concurrent.ScheduledThreadPoolExecutor(
            threads,
            runnable -> {
              Thread thread = new Thread(runnable, "ssf-push");
              thread.setDaemon(true);
              return thread;
            });
    // After close, no waiting retry may push: a new instance may own the stream by then.
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    pool.setRemoveOnCancelPolicy(true);
    this.workers = pool;
    this.poller = new Thread(this::run, "ssf-push-poll");
    this.poller.setDaemon(true);
    this.delivered =
        Counter.builder("tokenwatch.ssf.push.delivered")
            .description("SETs a receiver accepted")
            .register(meters);
    this.latency =
        Timer.builder("tokenwatch.ssf.push.latency")
            .description("From a SET's iat to its acceptance by the receiver")
            .register(meters);
    Gauge.builder("tokenwatch.ssf.push.streams.behind", this, PushDeliverer::streamsBehind)
        .description("Push streams with undelivered SETs held by failures or catching up")
        .register(meters);
  }

  /** Starts polling and delivering. */
  public PushDeliverer start() {
    poller.start();
    return this;
  }

  private double streamsBehind() {
    return partitions.values().stream()
        .flatMap(state -> state.lanes.values().stream())
        .filter(Lane::behind)
        .count();
  }

  // ---- polling thread ----

  private void run() {
    try {
      consumer.subscribe(
          List.of(topics.events()),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
              commit();
              for (TopicPartition partition : revoked) {
                PartitionState state = partitions.remove(partition);
                if (state != null) {
                  state.lanes.values().forEach(PushDeliverer::closeLane);
                }
                lastCommitted.remove(partition);
              }
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
              if (assigned.isEmpty()) {
                return;
              }
              loadCursors();
              for (TopicPartition partition : assigned) {
                partitions.put(partition, new PartitionState(partition));
              }
            }
          });
      Instant nextCommit = clock.instant();
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
        for (ConsumerRecord<byte[], byte[]> record : records) {
          dispatch(record);
        }
        for (TopicPartition partition : consumer.assignment()) {
          PartitionState state = partitions.get(partition);
          if (state != null && state.mainNext < 0) {
            state.mainNext = consumer.position(partition);
          }
        }
        if (!clock.instant().isBefore(nextCommit)) {
          commit();
          nextCommit = clock.instant().plus(COMMIT_INTERVAL);
        }
      }
      commit();
    } catch (WakeupException e) {
      commitQuietly();
    } catch (RuntimeException e) {
      log.error("Push delivery stopped", e);
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void dispatch(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    PartitionState state = partitions.get(partition);
    if (state == null) {
      return;
    }
    state.mainNext = record.offset() + 1;
    if (record.key() == null || record.value() == null) {
      return;
    }
    String streamId = new String(record.key(), StandardCharsets.UTF_8);
    Lane lane =
        state.lanes.computeIfAbsent(
            streamId,
            id ->
                new Lane(
                    id,
                    state,
                    loadedCursors.getOrDefault(cursorKey(id, partition), 0L),
                    bufferPerStream));
    if (lane.offer(record.offset(), () -> pending(record))) {
      submit(lane, Duration.ZERO);
    }
  }

  private static StreamLane.Pending pending(ConsumerRecord<byte[], byte[]> record) {
    String set = new String(record.value(), StandardCharsets.UTF_8);
    org.apache.kafka.common.header.Header jti =
        record.headers().lastHeader(KafkaEventOutbox.JTI_HEADER);
    return new StreamLane.Pending(
        record.offset(),
        set,
        record.timestamp(),
        jti == null ? "" : new String(jti.value(), StandardCharsets.UTF_8));
  }

  private void commit() {
    long now = System.nanoTime();
    for (PartitionState state : partitions.values()) {
      for (Lane lane : state.lanes.values()) {
        long waiting = lane.takeWaitingCursor(now);
        if (waiting >= 0) {
          writeCursor(lane, waiting);
        }
      }
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionState state : partitions.values()) {
      if (state.mainNext < 0) {
        continue;
      }
      long needed = state.mainNext;
      for (Lane lane : state.lanes.values()) {
        needed = Math.min(needed, lane.needs());
      }
      Long previous = lastCommitted.get(state.partition);
      if (previous == null || previous != needed) {
        offsets.put(state.partition, new OffsetAndMetadata(needed));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    // Cursors written so far become durable before the group moves past what they cover.
    producer.flush();
    try {
      consumer.commitSync(offsets);
      offsets.forEach((partition, offset) -> lastCommitted.put(partition, offset.offset()));
    } catch (RuntimeException e) {
      if (e instanceof WakeupException) {
        throw e;
      }
      log.warn("Committing push delivery offsets failed: {}", e.toString());
    }
  }

  private void commitQuietly() {
    try {
      commit();
    } catch (RuntimeException e) {
      log.warn("Final commit of push delivery offsets failed: {}", e.toString());
    }
  }

  /** Reads every push cursor on the delivery topic (compacted, small). */
  private void loadCursors() {
    Map<String, Object> settings = new HashMap<>(consumerSettings);
    settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
    settings.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    try (KafkaConsumer<byte[], byte[]> reader =
        new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> all = new ArrayList<>();
      for (PartitionInfo info : reader.partitionsFor(topics.delivery())) {
        all.add(new TopicPartition(info.topic(), info.partition()));
      }
      reader.assign(all);
      reader.seekToBeginning(all);
      Map<TopicPartition, Long> end = reader.endOffsets(all);
      while (all.stream().anyMatch(p -> reader.position(p) < end.getOrDefault(p, 0L))) {
        for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
          if (record.value() == null || record.key() == null) {
            continue;
          }
          readCursor(record.value());
        }
      }
    }
  }

  private void readCursor(byte[] value) {
    try {
      JsonNode node = JSON.readTree(value);
      if (!"push".equals(node.path("method").asText())) {
        return;
      }
      String streamId = node.path("stream_id").asText();
      for (Map.Entry<String, JsonNode> entry : node.path("cursors").properties()) {
        loadedCursors.merge(streamId + "#" + entry.getKey(), entry.getValue().asLong(), Math::max);
      }
    } catch (IOException e) {
      log.warn("Ignoring an unreadable delivery state record: {}", e.getMessage());
    }
  }

  private static String cursorKey(String streamId, TopicPartition partition) {
    return streamId + "#" + partition.partition();
  }

  // ---- delivery threads ----

  private void submit(Lane lane, Duration delay) {
    if (!running) {
      return;
    }
    try {
      // Failures are handled inside work(); the future carries nothing.
      java.util.concurrent.Future<?> unused =
          workers.schedule(() -> work(lane), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void work(Lane lane) {
    try {
      Duration next = step(lane);
      if (next != null) {
        submit(lane, next);
      }
    } catch (RuntimeException e) {
      log.warn("Push delivery for stream {} failed, retrying: {}", lane.streamId, e.toString());
      submit(lane, policy.backoffMax());
    }
  }

  /** One step of a lane; the delay before the next step, or null when the lane is idle. */
  private @Nullable Duration step(Lane lane) {
    // Marks the lane unscheduled, atomically, when there is nothing to do.
    StreamLane.Pending head = lane.head(running);
    if (head == null && lane.catchUpFrom().isEmpty()) {
      return null;
    }
    Optional<SignalStream> found = registry.get(lane.streamId);
    if (found.isPresent() && found.get().method() != DeliveryMethod.PUSH) {
      lane.ignore();
      return null;
    }
    if (head == null) {
      catchUp(lane);
      return Duration.ZERO;
    }
    Instant now = clock.instant();
    boolean tooOld =
        Duration.between(Instant.ofEpochMilli(head.timestamp()), now)
                .compareTo(policy.maxPendingAge())
            > 0;
    if (found.isEmpty()) {
      if (tooOld) {
        drop(lane, true, null);
        return Duration.ZERO;
      }
      // The registry may not have seen the stream yet; hold rather than lose.
      return HOLD_RECHECK;
    }
    SignalStream stream = found.get();
    if (stream.status() == StreamStatus.DISABLED) {
      drop(lane, true, null);
      return Duration.ZERO;
    }
    if (tooOld) {
      disable(lane, stream, head, now);
      return Duration.ZERO;
    }
    if (stream.status() == StreamStatus.PAUSED) {
      return HOLD_RECHECK;
    }
    PushOutcome outcome =
        endpointAllowed.test(stream.endpoint())
            ? client.push(stream.endpoint(), stream.authorizationHeader(), head.set())
            : new PushOutcome.Retry("endpoint_refused", "endpoint refused by the endpoint rules");
    if (outcome instanceof PushOutcome.Delivered) {
      delivered.increment();
      iat(head.set()).ifPresent(iat -> latency.record(Duration.between(iat, clock.instant())));
      advance(lane, head);
      return Duration.ZERO;
    }
    if (outcome instanceof PushOutcome.Rejected rejected) {
      Counter.builder("tokenwatch.ssf.push.rejected")
          .description("SETs a receiver rejected for good, by RFC 8935 error code")
          .tag("code", rejected.code())
          .register(meters)
          .increment();
      log.warn(
          "Stream {} rejected SET {} ({}: {}); dead-lettered",
          lane.streamId,
          head.jti(),
          rejected.code(),
          rejected.description());
      deadLetter(lane, head, "rejected:" + rejected.code(), rejected.description());
      advance(lane, head);
      return Duration.ZERO;
    }
    PushOutcome.Retry retry = (PushOutcome.Retry) outcome;
    Counter.builder("tokenwatch.ssf.push.retried")
        .description("Push attempts to be repeated, by reason")
        .tag("reason", retry.reason())
        .register(meters)
        .increment();
    int failures = lane.failed(retry.reason() + ": " + retry.detail());
    Duration wait = policy.backoff(failures, ThreadLocalRandom.current().nextDouble());
    log.debug(
        "Stream {}: {} ({}); retry in {}", lane.streamId, retry.reason(), retry.detail(), wait);
    return wait;
  }

  private void advance(Lane lane, StreamLane.Pending head) {
    long cursor = lane.cursorToWrite(lane.delivered(head.offset()), System.nanoTime(), false);
    if (cursor >= 0) {
      writeCursor(lane, cursor);
    }
  }

  /** Skips everything the lane holds (disabled or gone stream). */
  private void drop(Lane lane, boolean writeCursor, @Nullable String reason) {
    long cursor = lane.skipAll(lane.partition.mainNext);
    if (writeCursor) {
      long written = lane.cursorToWrite(cursor, System.nanoTime(), true);
      if (written >= 0) {
        writeCursor(lane, written);
      }
    }
    if (reason != null) {
      log.warn("Stream {}: skipped its pending SETs: {}", lane.streamId, reason);
    }
  }

  private void disable(Lane lane, SignalStream stream, StreamLane.Pending oldest, Instant now) {
    String recorded = lane.lastError();
    String lastError = recorded == null ? "none recorded" : recorded;
    int pending = lane.pendingInMemory();
    String reason =
        "disabled by the transmitter: SETs undelivered for longer than "
            + policy.maxPendingAge().toMillis()
            + " ms (last error: "
            + lastError
            + ")";
    raiseAlert(stream, oldest, pending, lastError, now);
    registry.put(
        new SignalStream(
            stream.streamId(),
            stream.receiver(),
            stream.audience(),
            stream.method(),
            stream.endpoint(),
            stream.authorizationHeader(),
            stream.eventsRequested(),
            StreamStatus.DISABLED,
            reason,
            stream.description(),
            stream.subjects(),
            stream.createdAt(),
            now));
    Counter.builder("tokenwatch.ssf.push.streams.disabled")
        .description("Push streams disabled because their receiver stayed unreachable")
        .register(meters)
        .increment();
    drop(lane, true, reason);
  }

  private void raiseAlert(
      SignalStream stream, StreamLane.Pending oldest, int pending, String lastError, Instant now) {
    String alertId =
        UUID.nameUUIDFromBytes(
                ("ssf-stream-disabled\u0000" + stream.streamId() + "\u0000" + oldest.offset())
                    .getBytes(StandardCharsets.UTF_8))
            .toString();
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("stream_id", stream.streamId());
    observed.put("receiver", stream.receiver());
    observed.put("endpoint_host", String.valueOf(stream.endpoint().getHost()));
    observed.put("last_error", lastError);
    observed.put("oldest_offset", Long.toString(oldest.offset()));
    SecurityAlert alert =
        SecurityAlert.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setOccurredAt(now)
            .setAlertId(alertId)
            .setRule(AlertRule.SSF_STREAM_DISABLED)
            .setSeverity(Severity.HIGH)
            .setSubject(null)
            .setClientId(stream.receiver())
            .setSummary(
                "Shared Signals stream "
                    + stream.streamId()
                    + " disabled: its receiver was unreachable for longer than "
                    + policy.maxPendingAge())
            .setEvidence(
                Evidence.newBuilder()
                    .setEventIds(oldest.jti().isEmpty() ? List.of() : List.of(oldest.jti()))
                    .setCount(Math.max(pending, 1))
                    .setFirstSeen(Instant.ofEpochMilli(oldest.timestamp()))
                    .setLastSeen(now)
                    .setObserved(observed)
                    .setThresholds(
                        Map.of(
                            "max_pending_age_ms", Long.toString(policy.maxPendingAge().toMillis())))
                    .build())
            .build();
    byte[] value = alertSerializer.serialize(topics.alerts(), alert);
    try {
      producer
          .send(
              new ProducerRecord<>(
                  topics.alerts(),
                  ("stream:" + stream.streamId()).getBytes(StandardCharsets.UTF_8),
                  value))
          .get(policy.timeout().toMillis() + 30_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot raise the stream-disabled alert", e);
    }
  }

  private void deadLetter(Lane lane, StreamLane.Pending head, String exception, String message) {
    ConsumerRecord<byte[], byte[]> source =
        new ConsumerRecord<>(
            topics.events(),
            lane.partition.partition.partition(),
            head.offset(),
            head.timestamp(),
            org.apache.kafka.common.record.TimestampType.CREATE_TIME,
            ConsumerRecord.NULL_SIZE,
            ConsumerRecord.NULL_SIZE,
            lane.streamId.getBytes(StandardCharsets.UTF_8),
            head.set().getBytes(StandardCharsets.UTF_8),
            new org.apache.kafka.common.header.internals.RecordHeaders(),
            Optional.empty());
    try {
      deadLetters
          .send(
              source,
              lane.streamId.getBytes(StandardCharsets.UTF_8),
              head.set().getBytes(StandardCharsets.UTF_8),
              exception,
              message)
          .get(policy.timeout().toMillis() + 30_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot dead-letter SET " + head.jti(), e);
    }
  }

  private void writeCursor(Lane lane, long cursor) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("stream_id", lane.streamId);
    state.put("method", "push");
    state.put("cursors", Map.of(Integer.toString(lane.partition.partition.partition()), cursor));
    state.put("updated_at", clock.instant().toString());
    try {
      java.util.concurrent.Future<?> unused =
          producer.send(
              new ProducerRecord<>(
                  topics.delivery(),
                  lane.streamId.getBytes(StandardCharsets.UTF_8),
                  JSON.writeValueAsBytes(state)),
              (metadata, error) -> {
                if (error != null) {
                  // A lost cursor write only means a repeat after a restart (same jti).
                  log.warn(
                      "Writing the cursor of stream {} failed: {}",
                      lane.streamId,
                      error.toString());
                }
              });
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the cursor of " + lane.streamId, e);
    }
  }

  /** Re-reads the lane's partition from where it stopped buffering, up to the poller's position. */
  private void catchUp(Lane lane) {
    java.util.OptionalLong catchFrom = lane.catchUpFrom();
    if (catchFrom.isEmpty()) {
      return;
    }
    long from = catchFrom.getAsLong();
    TopicPartition partition = lane.partition.partition;
    long until = lane.partition.mainNext;
    Map<String, Object> settings = new HashMap<>(consumerSettings);
    settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
    settings.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
    long position = from;
    try (KafkaConsumer<byte[], byte[]> reader =
        new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      reader.assign(List.of(partition));
      reader.seek(partition, from);
      byte[] key = lane.streamId.getBytes(StandardCharsets.UTF_8);
      while (position < until && found.size() < bufferPerStream) {
        ConsumerRecords<byte[], byte[]> records = reader.poll(Duration.ofMillis(200));
        for (ConsumerRecord<byte[], byte[]> record : records) {
          if (record.offset() >= until || found.size() >= bufferPerStream) {
            break;
          }
          position = record.offset() + 1;
          if (record.value() != null && java.util.Arrays.equals(record.key(), key)) {
            found.add(record);
          }
        }
        if (records.isEmpty()) {
          position = Math.max(position, reader.position(partition));
        }
      }
    }
    List<StreamLane.Pending> pending = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : found) {
      pending.add(pending(record));
    }
    lane.caughtUp(pending, position, lane.partition.mainNext);
  }

  private static Optional<Instant> iat(String set) {
    try {
      int first = set.indexOf('.');
      int second = set.indexOf('.', first + 1);
      JsonNode claims =
          JSON.readTree(Base64.getUrlDecoder().decode(set.substring(first + 1, second)));
      return claims.path("iat").canConvertToLong()
          ? Optional.of(Instant.ofEpochSecond(claims.path("iat").asLong()))
          : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void closeLane(Lane lane) {
    lane.close();
  }

  /** Stops polling and delivering; a push in flight may finish. Idempotent. */
  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    RevocationFanout.joinQuietly(poller);
    workers.shutdown();
    try {
      if (!workers.awaitTermination(policy.timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
