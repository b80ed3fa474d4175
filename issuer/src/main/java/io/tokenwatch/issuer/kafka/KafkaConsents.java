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
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
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
  private final Deserializer<ConsentGranted> grants;
  private final Deserializer<ConsentWithdrawn> withdrawals;
  private final TopicFollower follower;

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
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://unused.invalid"));
    this.grants =
        AvroSerdes.specific(ConsentGranted.class, registryClient, serde, false).deserializer();
    this.withdrawals =
        AvroSerdes.specific(ConsentWithdrawn.class, registryClient, serde, false).deserializer();
    this.follower =
        new TopicFollower(
            clientSettings,
            "tokenwatch-issuer-consents",
            List.of(Topics.CONSENTS.name(), Topics.CONSENT_WITHDRAWALS.name()),
            "consents",
            "consents given elsewhere are not seen until restart",
            (record, replaying) -> apply(record),
            () -> LOG.info("Read the consent topics"));
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
    follower.start(timeout);
  }

  /** Whether the follower has caught up and is still running. */
  public boolean ready() {
    return follower.ready();
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
    follower.close();
  }
}
