package io.tokenwatch.issuer.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.issuer.consent.ConsentLog;
import io.tokenwatch.issuer.consent.ConsentRegistry;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
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
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consents on Kafka: writes {@code ConsentGranted} to {@code tokenwatch.consents} and {@code
 * ConsentWithdrawn} to {@code tokenwatch.consent-withdrawals} through the issuer's event log
 * ({@code acks=all}, keyed by the person), and follows both topics from the beginning into a {@link
 * ConsentRegistry}, so every instance knows every consent and a restarted one rebuilds them (the
 * registry does not care in which order the two topics are read). Each write is applied locally
 * once durable, so the writing instance reads its own write at once.
 *
 * <p>An unreadable withdrawal cannot be applied; the follower stops (fail closed: {@link #ready()}
 * turns false and the log says why) rather than keep a consent alive that may have been withdrawn.
 * Thread-safe.
 */
public final class KafkaConsents implements ConsentLog, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaConsents.class);

  private final KafkaEventLog log;
  private final ConsentRegistry registry;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Deserializer<ConsentGranted> grants;
  private final Deserializer<ConsentWithdrawn> withdrawals;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private final Thread follower;
  private volatile boolean running = true;
  private volatile @Nullable RuntimeException failure;

  /**
   * @param log the event log whose producer writes the events
   * @param registry where consents are kept
   * @param clientSettings where the cluster is and how to connect to it; the follower's own
   *     consumer settings take precedence
   * @param registryClient where value schemas are looked up
   */
  public KafkaConsents(
      KafkaEventLog log,
      ConsentRegistry registry,
      Map<String, ?> clientSettings,
      SchemaRegistryClient registryClient) {
    this.log = requireNonNull(log, "log");
    this.registry = requireNonNull(registry, "registry");
    Map<String, Object> config = new HashMap<>(requireNonNull(clientSettings, "clientSettings"));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-issuer-consents");
    this.consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://unused.invalid"));
    this.grants =
        AvroSerdes.specific(ConsentGranted.class, registryClient, serde, false).deserializer();
    this.withdrawals =
        AvroSerdes.specific(ConsentWithdrawn.class, registryClient, serde, false).deserializer();
    this.follower = new Thread(this::follow, "consent-follower");
    this.follower.setDaemon(true);
  }

  @Override
  public void granted(ConsentGranted event) {
    requireNonNull(event, "event");
    log.await(List.of(log.send(Topics.CONSENTS, event.getUser(), event)), "ConsentGranted");
    registry.apply(event);
  }

  @Override
  public void withdrawn(ConsentWithdrawn event) {
    requireNonNull(event, "event");
    log.await(
        List.of(log.send(Topics.CONSENT_WITHDRAWALS, event.getUser(), event)), "ConsentWithdrawn");
    registry.apply(event);
  }

  /**
   * Starts following and waits until everything written before now has been read.
   *
   * @throws IllegalStateException if that does not happen within {@code timeout}
   */
  public void start(Duration timeout) {
    follower.start();
    try {
      if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "consents not read within "
                + timeout
                + (failure == null ? "" : ": " + failure.getMessage()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading consents", e);
    }
  }

  /** Whether the follower has caught up and is still running. */
  public boolean ready() {
    return caughtUp.getCount() == 0 && running && failure == null;
  }

  private void follow() {
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(Topics.CONSENTS.name(), Topics.CONSENT_WITHDRAWALS.name())) {
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
          partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      boolean replaying = true;
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          apply(record);
        }
        if (replaying && caughtUp(end)) {
          replaying = false;
          caughtUp.countDown();
          LOG.info("Read the consent topics");
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failure = new IllegalStateException("consent follower woken unexpectedly", e);
      }
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("Consent follower stopped; consents given elsewhere are not seen until restart", e);
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private boolean caughtUp(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
      if (consumer.position(entry.getKey()) < entry.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    if (record.topic().equals(Topics.CONSENTS.name())) {
      try {
        registry.apply(grants.deserialize(record.topic(), record.value()));
      } catch (RuntimeException e) {
        // A consent this instance cannot read is one it never honours: its codes and tokens are
        // refused here, which is the safe side.
        LOG.error(
            "Unreadable consent at {}-{}@{}; skipped",
            record.topic(),
            record.partition(),
            record.offset(),
            e);
      }
    } else {
      registry.apply(withdrawals.deserialize(record.topic(), record.value()));
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      follower.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
