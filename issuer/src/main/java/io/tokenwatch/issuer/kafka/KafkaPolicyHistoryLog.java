package io.tokenwatch.issuer.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.PolicyChangeSource;
import io.tokenwatch.events.PolicyChanged;
import io.tokenwatch.issuer.policy.history.ChangeSource;
import io.tokenwatch.issuer.policy.history.PolicyHistoryLog;
import io.tokenwatch.issuer.policy.history.PolicyVersion;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy history on the one-partition {@code tokenwatch.policy-changes} topic, as {@code
 * PolicyChanged} events (built here and nowhere else). Every issuer instance follows the whole
 * topic (no consumer group) into memory.
 *
 * <p><b>One version per change across instances.</b> The history is the chain of records in topic
 * order in which each names the version before it as its {@code previous_version}: a record that
 * does not continue the chain (a second writer's copy of a version already taken) is ignored by
 * every reader alike. {@link #append} first reads the topic to its end and writes nothing when the
 * version is already taken (the same change recorded by another instance, or another change the
 * caller then rebases onto); after writing it reads to the end again and answers with whichever
 * record took the version. Two instances racing on one change may thus both write a record, but the
 * history holds it once; the audit sink keeps both records (distinct event ids).
 *
 * <p>Thread-safe.
 */
public final class KafkaPolicyHistoryLog implements PolicyHistoryLog, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaPolicyHistoryLog.class);
  private static final TopicPartition PARTITION =
      new TopicPartition(Topics.POLICY_CHANGES.name(), 0);

  private final KafkaEventLog log;
  private final KafkaConsumer<String, byte[]> follower;
  private final KafkaConsumer<String, byte[]> offsets;
  private final Deserializer<PolicyChanged> deserializer;
  private final Duration timeout;
  private final Map<String, List<PolicyVersion>> histories = new HashMap<>();
  private final Object progress = new Object();
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Thread thread;
  private long position;
  private volatile boolean running = true;
  private volatile @Nullable RuntimeException failure;

  /**
   * @param log the event log whose producer writes the versions
   * @param clientSettings where the cluster is and how to connect to it
   * @param registry where the value schema is looked up
   * @param timeout how long {@link #append} waits to read the topic to its end
   */
  public KafkaPolicyHistoryLog(
      KafkaEventLog log,
      Map<String, ?> clientSettings,
      SchemaRegistryClient registry,
      Duration timeout) {
    this.log = requireNonNull(log, "log");
    this.timeout = requireNonNull(timeout, "timeout");
    Map<String, Object> config = new HashMap<>(requireNonNull(clientSettings, "clientSettings"));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-issuer-policy-history");
    this.follower =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-issuer-policy-history-offsets");
    this.offsets =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://unused.invalid"));
    this.deserializer =
        AvroSerdes.specific(PolicyChanged.class, registry, serde, false).deserializer();
    this.thread = new Thread(this::follow, "policy-history-follower");
    this.thread.setDaemon(true);
  }

  /**
   * Starts following and waits until everything written before now has been read.
   *
   * @throws IllegalStateException if that does not happen within {@code timeout}
   */
  public void start(Duration startTimeout) {
    thread.start();
    try {
      if (!caughtUp.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        RuntimeException cause = failure;
        throw new IllegalStateException(
            "policy history not read within "
                + startTimeout
                + (cause == null ? "" : ": " + cause.getMessage()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the policy history", e);
    }
  }

  @Override
  public List<PolicyVersion> versions(String policyId) {
    synchronized (progress) {
      return List.copyOf(histories.getOrDefault(policyId, List.of()));
    }
  }

  @Override
  public synchronized PolicyVersion append(PolicyVersion next) {
    requireNonNull(next, "next");
    readToEnd();
    PolicyVersion taken = versionAt(next.policyId(), next.version());
    if (taken != null) {
      return taken;
    }
    log.await(
        List.of(log.send(Topics.POLICY_CHANGES, next.policyId(), event(next))), "PolicyChanged");
    readToEnd();
    taken = versionAt(next.policyId(), next.version());
    if (taken == null) {
      throw new IllegalStateException(
          "policy version " + next.version() + " was written but does not continue the history");
    }
    return taken;
  }

  private @Nullable PolicyVersion versionAt(String policyId, long version) {
    synchronized (progress) {
      List<PolicyVersion> versions = histories.getOrDefault(policyId, List.of());
      return version >= 1 && version <= versions.size() ? versions.get((int) version - 1) : null;
    }
  }

  private void readToEnd() {
    RuntimeException cause = failure;
    if (cause != null) {
      throw new IllegalStateException("the policy history cannot be read: " + cause.getMessage());
    }
    long end = endOffset(offsets.endOffsets(List.of(PARTITION), timeout));
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (position < end) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !running) {
          throw new IllegalStateException(
              "policy history not read to offset " + end + " within " + timeout);
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(progress, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while reading the policy history", e);
        }
      }
    }
  }

  private static long endOffset(Map<TopicPartition, Long> ends) {
    Long end = ends.get(PARTITION);
    if (end == null) {
      throw new IllegalStateException("no end offset for " + PARTITION);
    }
    return end;
  }

  private void follow() {
    try {
      follower.assign(List.of(PARTITION));
      follower.seekToBeginning(List.of(PARTITION));
      long end = endOffset(follower.endOffsets(List.of(PARTITION), Duration.ofSeconds(30)));
      while (running) {
        var records = follower.poll(Duration.ofMillis(200));
        long now = follower.position(PARTITION);
        synchronized (progress) {
          for (ConsumerRecord<String, byte[]> record : records) {
            apply(record);
          }
          position = now;
          progress.notifyAll();
        }
        if (caughtUp.getCount() > 0 && now >= end) {
          caughtUp.countDown();
          LOG.info("Read the history of {} policies", histories.size());
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failure = new IllegalStateException("policy history follower woken unexpectedly", e);
      }
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("Policy history follower stopped; policy changes are refused until restart", e);
    } finally {
      follower.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    PolicyVersion version;
    try {
      version = version(deserializer.deserialize(record.topic(), record.value()));
    } catch (RuntimeException e) {
      // A lost link would make every later version unreadable alike on every instance, or not:
      // stop recording changes rather than guess a history that differs between instances.
      throw new IllegalStateException(
          "unreadable policy history record at offset " + record.offset(), e);
    }
    List<PolicyVersion> versions =
        histories.computeIfAbsent(version.policyId(), id -> new ArrayList<>());
    long expected = versions.size() + 1L;
    if (version.version() != expected) {
      LOG.debug(
          "Ignoring policy history record at offset {}: version {} is taken",
          record.offset(),
          version.version());
      return;
    }
    versions.add(version);
  }

  private static PolicyChanged event(PolicyVersion version) {
    return PolicyChanged.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(version.occurredAt())
        .setPolicyId(version.policyId())
        .setVersion(version.version())
        .setDigest(version.digest())
        .setPreviousVersion(version.previousVersion())
        .setSource(PolicyChangeSource.valueOf(version.source().name()))
        .setAuthor(version.author())
        .setDiff(version.diff())
        .setDocument(version.document())
        .setApprovals(version.approvals())
        .setRolledBackTo(version.rolledBackTo())
        .build();
  }

  private static PolicyVersion version(PolicyChanged event) {
    ChangeSource source =
        switch (event.getSource()) {
          case STARTUP -> ChangeSource.STARTUP;
          case FILE_RELOAD -> ChangeSource.FILE_RELOAD;
          case APPROVED_CHANGE -> ChangeSource.APPROVED_CHANGE;
          case ROLLBACK -> ChangeSource.ROLLBACK;
          case UNKNOWN ->
              throw new IllegalArgumentException("policy change of a source this issuer ignores");
        };
    return new PolicyVersion(
        event.getPolicyId(),
        event.getVersion(),
        event.getDigest(),
        event.getPreviousVersion(),
        source,
        event.getAuthor(),
        event.getDiff(),
        event.getDocument(),
        event.getApprovals(),
        event.getRolledBackTo(),
        event.getOccurredAt());
  }

  @Override
  public void close() {
    running = false;
    follower.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      offsets.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }
}
