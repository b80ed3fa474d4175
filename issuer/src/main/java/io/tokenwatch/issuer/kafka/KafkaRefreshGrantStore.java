package io.tokenwatch.issuer.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.issuer.GrantMerge;
import io.tokenwatch.issuer.RefreshGrantStore;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refresh-grant state shared by every issuer instance through the compacted {@code
 * tokenwatch.refresh-grants} topic. Each instance follows the whole topic (no consumer group: every
 * instance needs every grant) into memory; {@link #save} writes with {@code acks=all}, waits, then
 * applies locally so the writing instance reads its own write at once.
 *
 * <p><b>The cross-instance window.</b> An instance decides a rotation from what it has read. If a
 * refresh token is presented to instance A and, before A's rotation has reached instance B, again
 * to B, both rotate the same generation and both answers succeed. That reuse is detected after the
 * fact: every instance that reads the two states sees two successors of one generation and the
 * {@link #onRace} handler revokes the whole grant (and so every token of both branches). The window
 * is the replication plus consumer lag, typically milliseconds.
 *
 * <p>Thread-safe.
 */
public final class KafkaRefreshGrantStore implements RefreshGrantStore, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRefreshGrantStore.class);

  private final KafkaEventLog log;
  private final Deserializer<RefreshGrantChanged> deserializer;
  private final Map<String, RefreshGrantChanged> grants = new ConcurrentHashMap<>();
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  private final TopicFollower follower;

  /**
   * Grants whose state raced with another instance while the follower replayed the topic; touched
   * on the follower's thread only.
   */
  private final Set<String> racedDuringReplay = new LinkedHashSet<>();

  private volatile Consumer<RefreshGrantChanged> raceHandler = state -> {};

  /**
   * @param log the event log whose producer writes grant states
   * @param clientSettings where the cluster is and how to connect to it ({@code bootstrap.servers},
   *     security settings); the store's own consumer settings take precedence
   * @param registry where the value schema is looked up
   */
  public KafkaRefreshGrantStore(
      KafkaEventLog log, Map<String, ?> clientSettings, SchemaRegistryClient registry) {
    this.log = requireNonNull(log, "log");
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://unused.invalid"));
    this.deserializer =
        AvroSerdes.specific(RefreshGrantChanged.class, registry, serde, false).deserializer();
    this.follower =
        new TopicFollower(
            clientSettings,
            "tokenwatch-issuer-refresh-grants",
            List.of(Topics.REFRESH_GRANTS.name()),
            "refresh grants",
            "refreshes are refused until restart",
            (record, replaying) -> apply(record, replaying ? racedDuringReplay : null),
            this::caughtUp);
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
  public Optional<RefreshGrantChanged> get(String grantId) {
    if (unreadable.contains(grantId)) {
      return Optional.empty();
    }
    return Optional.ofNullable(grants.get(grantId));
  }

  @Override
  public void save(RefreshGrantChanged state) {
    requireNonNull(state, "state");
    log.await(
        List.of(log.send(Topics.REFRESH_GRANTS, state.getGrantId(), state)), "RefreshGrantChanged");
    grants.merge(
        state.getGrantId(), state, (known, incoming) -> GrantMerge.merge(known, incoming).state());
  }

  @Override
  public void onRace(Consumer<RefreshGrantChanged> handler) {
    this.raceHandler = requireNonNull(handler, "handler");
  }

  /** Once the topic is read: what raced while it was replayed is handled as a race now. */
  private void caughtUp() {
    LOG.info("Read {} refresh grants", grants.size());
    for (String grantId : racedDuringReplay) {
      RefreshGrantChanged state = grants.get(grantId);
      if (state != null && state.getStatus() == RefreshGrantStatus.ACTIVE) {
        raceHandler.accept(state);
      }
    }
    racedDuringReplay.clear();
  }

  private void apply(ConsumerRecord<String, byte[]> record, @Nullable Set<String> raced) {
    if (record.value() == null) {
      grants.remove(record.key());
      return;
    }
    RefreshGrantChanged incoming;
    try {
      incoming = deserializer.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      // What the record said is lost: it may have revoked the grant. Fail closed, as a validator
      // does with an unreadable revocation: the grant is refused from now on (its holder signs in
      // again), never left in the last state this instance could read.
      if (record.key() != null) {
        unreadable.add(record.key());
        grants.remove(record.key());
      }
      LOG.error(
          "Unreadable refresh-grant record at {}-{}@{} (grant {}); that grant is refused from now"
              + " on",
          record.topic(),
          record.partition(),
          record.offset(),
          record.key(),
          e);
      return;
    }
    boolean[] race = new boolean[1];
    RefreshGrantChanged merged =
        grants.compute(
            incoming.getGrantId(),
            (id, known) -> {
              GrantMerge.Result result = GrantMerge.merge(known, incoming);
              race[0] = result.race();
              return result.state();
            });
    if (race[0] && merged.getStatus() == RefreshGrantStatus.ACTIVE) {
      LOG.warn(
          "Grant {} was rotated twice from one generation: refresh token reuse across"
              + " instances; revoking it",
          incoming.getGrantId());
      if (raced != null) {
        raced.add(incoming.getGrantId());
      } else {
        raceHandler.accept(merged);
      }
    }
  }

  @Override
  public void close() {
    follower.close();
  }
}
