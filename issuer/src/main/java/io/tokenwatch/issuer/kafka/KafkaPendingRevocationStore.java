package io.tokenwatch.issuer.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AccessRequestKind;
import io.tokenwatch.issuer.revocation.PendingRevocation;
import io.tokenwatch.issuer.revocation.PendingRevocationStore;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revocations waiting for a second person, shared by every issuer instance and kept across restarts
 * through the compacted {@code tokenwatch.access-requests} topic: records of kind {@code
 * REVOCATION} (see {@link PendingRevocationEvents}), each the pending revocation's whole state,
 * keyed by its id. The topic already is the durable, audited home of things people approve, so
 * pending revocations reuse it rather than add a topic and an event type; {@link
 * KafkaAccessRequestStore} skips these records and this store skips the others.
 *
 * <p>Each instance reads the whole topic at start, then follows it (no consumer group); {@link
 * #save} writes with {@code acks=all}, waits, then applies locally. A record this instance cannot
 * read or trust drops its revocation (nothing is approved on its strength).
 *
 * <p>Thread-safe.
 */
public final class KafkaPendingRevocationStore implements PendingRevocationStore, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaPendingRevocationStore.class);

  private final KafkaEventLog log;
  private final Deserializer<AccessRequestChanged> deserializer;
  private final Map<String, PendingRevocation> requests = new ConcurrentHashMap<>();
  private final TopicFollower follower;

  /**
   * @param log the event log whose producer writes the states
   * @param clientSettings where the cluster is and how to connect to it; the store's own consumer
   *     settings take precedence
   * @param registry where the value schema is looked up
   */
  public KafkaPendingRevocationStore(
      KafkaEventLog log, Map<String, ?> clientSettings, SchemaRegistryClient registry) {
    this.log = requireNonNull(log, "log");
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://unused.invalid"));
    this.deserializer =
        AvroSerdes.specific(AccessRequestChanged.class, registry, serde, false).deserializer();
    this.follower =
        new TopicFollower(
            clientSettings,
            "tokenwatch-issuer-pending-revocations",
            List.of(Topics.ACCESS_REQUESTS.name()),
            "pending revocations",
            "changes by other instances are not seen",
            (record, replaying) -> apply(record),
            () -> LOG.info("Read {} pending revocations", requests.size()));
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

  @Override
  public Optional<PendingRevocation> get(String id) {
    return Optional.ofNullable(requests.get(requireNonNull(id, "id")));
  }

  @Override
  public Collection<PendingRevocation> all() {
    return List.copyOf(requests.values());
  }

  @Override
  public void save(PendingRevocation pending) {
    requireNonNull(pending, "pending");
    log.await(
        List.of(
            log.send(Topics.ACCESS_REQUESTS, pending.id(), PendingRevocationEvents.event(pending))),
        "AccessRequestChanged");
    requests.merge(pending.id(), pending, KafkaPendingRevocationStore::later);
  }

  /**
   * Of two states of one request, the later: the one changed last, and of two changed at the same
   * instant the one further along. The follower reads back this instance's own writes after they
   * were applied, and must not step back to an earlier one.
   */
  private static PendingRevocation later(PendingRevocation known, PendingRevocation incoming) {
    // A decision is final: a decided state never gives way to the pending one.
    if (known.status() != PendingRevocation.Status.PENDING) {
      return known;
    }
    return incoming;
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      requests.remove(record.key());
      return;
    }
    Optional<PendingRevocation> read;
    try {
      AccessRequestChanged event = deserializer.deserialize(record.topic(), record.value());
      if (event.getKind() != AccessRequestKind.REVOCATION) {
        return;
      }
      read = PendingRevocationEvents.pending(event);
    } catch (RuntimeException e) {
      requests.remove(record.key());
      LOG.error(
          "Unreadable pending-revocation record at {}-{}@{} ({}); that revocation is dropped",
          record.topic(),
          record.partition(),
          record.offset(),
          record.key(),
          e);
      return;
    }
    read.ifPresent(
        pending -> requests.merge(record.key(), pending, KafkaPendingRevocationStore::later));
  }

  @Override
  public void close() {
    follower.close();
  }
}
