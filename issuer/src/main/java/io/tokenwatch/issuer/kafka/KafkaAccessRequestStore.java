package io.tokenwatch.issuer.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AccessRequestKind;
import io.tokenwatch.issuer.access.AccessRequest;
import io.tokenwatch.issuer.access.AccessRequestStore;
import io.tokenwatch.issuer.access.AccessStatus;
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
 * Access requests shared by every issuer instance through the compacted {@code
 * tokenwatch.access-requests} topic, keyed by request id, each record the request's whole state.
 * Each instance reads the whole topic into memory at start, then follows it (no consumer group:
 * every instance needs every request); {@link #save} writes with {@code acks=all}, waits, then
 * applies locally so the writing instance reads its own write at once. Compaction keeping only the
 * last record per request loses nothing.
 *
 * <p>A record this instance cannot read, or one that names a status or kind it does not know, is
 * not trusted: its request is dropped, so an exception it might grant is not in force here (fail
 * closed). Two instances acting on one request at the same moment each decide from what they have
 * read; the later record wins on the topic.
 *
 * <p>Thread-safe.
 */
public final class KafkaAccessRequestStore implements AccessRequestStore, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaAccessRequestStore.class);

  private final KafkaEventLog log;
  private final Deserializer<AccessRequestChanged> deserializer;
  private final Map<String, AccessRequest> requests = new ConcurrentHashMap<>();
  private final TopicFollower follower;

  /**
   * @param log the event log whose producer writes the states
   * @param clientSettings where the cluster is and how to connect to it; the store's own consumer
   *     settings take precedence
   * @param registry where the value schema is looked up
   */
  public KafkaAccessRequestStore(
      KafkaEventLog log, Map<String, ?> clientSettings, SchemaRegistryClient registry) {
    this.log = requireNonNull(log, "log");
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://unused.invalid"));
    this.deserializer =
        AvroSerdes.specific(AccessRequestChanged.class, registry, serde, false).deserializer();
    this.follower =
        new TopicFollower(
            clientSettings,
            "tokenwatch-issuer-access-requests",
            List.of(Topics.ACCESS_REQUESTS.name()),
            "access requests",
            "changes by other instances are not seen",
            (record, replaying) -> apply(record),
            () -> LOG.info("Read {} access requests", requests.size()));
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
  public Optional<AccessRequest> get(String id) {
    return Optional.ofNullable(requests.get(requireNonNull(id, "id")));
  }

  @Override
  public Collection<AccessRequest> all() {
    return List.copyOf(requests.values());
  }

  @Override
  public void save(AccessRequest request) {
    requireNonNull(request, "request");
    log.await(
        List.of(log.send(Topics.ACCESS_REQUESTS, request.id(), AccessRequestEvents.event(request))),
        "AccessRequestChanged");
    requests.merge(request.id(), request, KafkaAccessRequestStore::later);
  }

  /**
   * Of two states of one request, the later: the one changed last, and of two changed at the same
   * instant the one further along. The follower reads back this instance's own writes after they
   * were applied, and must not step back to an earlier one.
   */
  private static AccessRequest later(AccessRequest known, AccessRequest incoming) {
    int byTime = incoming.changedAt().compareTo(known.changedAt());
    if (byTime != 0) {
      return byTime > 0 ? incoming : known;
    }
    return progress(incoming) > progress(known) ? incoming : known;
  }

  private static int progress(AccessRequest request) {
    boolean ended =
        request.status() != AccessStatus.PENDING && request.status() != AccessStatus.APPROVED;
    return request.approvals().size() + request.reviews().size() + (ended ? 1_000 : 0);
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      requests.remove(record.key());
      return;
    }
    Optional<AccessRequest> read;
    try {
      AccessRequestChanged event = deserializer.deserialize(record.topic(), record.value());
      if (event.getKind() == AccessRequestKind.REVOCATION) {
        // Revocations waiting for a second person share the topic; KafkaPendingRevocationStore
        // reads them.
        return;
      }
      read = AccessRequestEvents.request(event);
    } catch (RuntimeException e) {
      requests.remove(record.key());
      LOG.error(
          "Unreadable access-request record at {}-{}@{} (request {}); that request is dropped",
          record.topic(),
          record.partition(),
          record.offset(),
          record.key(),
          e);
      return;
    }
    if (read.isEmpty()) {
      requests.remove(record.key());
      LOG.warn("Access request {} has a state this issuer does not know; dropped", record.key());
      return;
    }
    requests.merge(record.key(), read.get(), KafkaAccessRequestStore::later);
  }

  @Override
  public void close() {
    follower.close();
  }
}
