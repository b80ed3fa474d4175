package io.tokenwatch.issuer.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.GrantFold;
import io.tokenwatch.issuer.RefreshGrantStore;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refresh-grant state shared by every issuer instance through the compacted {@code
 * tokenwatch.refresh-grants} topic, keyed by grant id, each record the whole state it results in.
 * Each instance follows the whole topic (no consumer group: every instance needs every grant) and
 * folds each grant's records with {@link GrantFold}, in partition order.
 *
 * <p><b>A rotation is decided once, by the log.</b> A grant's records live in one partition, a
 * total order every instance reads alike. A rotation record names the state it was decided against
 * (the previous generation and its token hashes); {@link GrantFold} lets it take effect only if
 * that is still the folded state when its turn comes, else it lost and the grant is revoked. {@link
 * #send} produces the record (idempotent producer, {@code acks=all}) and its {@link Append#await()}
 * returns only once this instance's follower has folded that very record (found by its event id):
 * the caller answers from the verdict, so of two presentations of one token at any number of
 * instances exactly one rotation takes effect before any token is handed out, and the other is a
 * reuse. Cost: one produce round trip plus the follower's read of the record.
 *
 * <p><b>Compaction, crashes.</b> A record that lost still reads ACTIVE to a reader that sees it
 * alone, as compaction may leave it. The writer of the losing record seals it (appends REVOKED)
 * before answering; every instance that folds a losing record checks again {@code sealGrace} later
 * and, if no REVOKED record followed (the writer stopped between producing and reading back), calls
 * the {@link #onUnsealed} handler, which revokes the grant and appends REVOKED; an instance that
 * starts does the same for the losses it replays. An instance that stops after producing a winning
 * rotation and before answering leaves a token nobody holds: the client's retry presents a spent
 * token, which revokes the grant (fail closed; the client signs in again).
 *
 * <p>Thread-safe.
 */
public final class KafkaRefreshGrantStore implements RefreshGrantStore, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaRefreshGrantStore.class);

  private final KafkaEventLog log;
  private final Duration timeout;
  private final Duration sealGrace;
  private final Deserializer<RefreshGrantChanged> deserializer;
  private final Map<String, GrantFold.Folded> grants = new ConcurrentHashMap<>();
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  private final Map<String, CompletableFuture<GrantFold.Step>> readBacks =
      new ConcurrentHashMap<>();
  private final TopicFollower follower;
  private final Admin admin;
  private final ScheduledExecutorService sealChecks;
  private volatile @Nullable Consumer<RefreshGrantChanged> unsealedHandler;

  /**
   * A store whose losses are sealed by another instance two produce timeouts after they were read.
   *
   * @param log the event log whose producer writes grant states; its timeout bounds every wait
   * @param clientSettings where the cluster is and how to connect to it ({@code bootstrap.servers},
   *     security settings); the store's own consumer settings take precedence
   * @param registry where the value schema is looked up
   */
  public KafkaRefreshGrantStore(
      KafkaEventLog log, Map<String, ?> clientSettings, SchemaRegistryClient registry) {
    this(log, clientSettings, registry, requireNonNull(log, "log").timeout().multipliedBy(2));
  }

  /**
   * @param sealGrace how long after folding a losing record this instance leaves its writer to seal
   *     it before sealing it itself; at least the writer's read-back plus one produce
   */
  public KafkaRefreshGrantStore(
      KafkaEventLog log,
      Map<String, ?> clientSettings,
      SchemaRegistryClient registry,
      Duration sealGrace) {
    this.log = requireNonNull(log, "log");
    this.timeout = log.timeout();
    this.sealGrace = requireNonNull(sealGrace, "sealGrace");
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://unused.invalid"));
    this.deserializer =
        AvroSerdes.specific(RefreshGrantChanged.class, registry, serde, false).deserializer();
    Map<String, Object> adminSettings = new HashMap<>(clientSettings);
    adminSettings.put(AdminClientConfig.CLIENT_ID_CONFIG, "tokenwatch-issuer-refresh-grants");
    adminSettings.keySet().removeIf(key -> !AdminClientConfig.configNames().contains(key));
    this.admin = Admin.create(adminSettings);
    this.sealChecks =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "refresh-grant-seal-checks");
              thread.setDaemon(true);
              return thread;
            });
    this.follower =
        new TopicFollower(
            clientSettings,
            "tokenwatch-issuer-refresh-grants",
            List.of(Topics.REFRESH_GRANTS.name()),
            "refresh grants",
            "refreshes are refused until restart",
            (record, replaying) -> apply(record),
            () -> LOG.info("Read {} refresh grants", grants.size()));
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
    GrantFold.Folded folded = grants.get(grantId);
    return folded == null ? Optional.empty() : Optional.of(folded.state());
  }

  @Override
  public Optional<RefreshGrantChanged> latest(String grantId) {
    requireNonNull(grantId, "grantId");
    List<TopicPartition> partitions = follower.partitions();
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    partitions.forEach(partition -> specs.put(partition, OffsetSpec.latest()));
    try {
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
          admin
              .listOffsets(specs, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
              .all()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, Long> target = new HashMap<>();
      ends.forEach((partition, info) -> target.put(partition, info.offset()));
      if (!follower.awaitPositions(target, timeout)) {
        throw new EventLogUnavailableException(
            "refresh grants not read to their end within " + timeout.toMillis() + " ms");
      }
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      throw new EventLogUnavailableException(
          "cannot find the end of the refresh-grant log: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EventLogUnavailableException("interrupted reading refresh grants", e);
    }
    return get(grantId);
  }

  @Override
  public Append send(RefreshGrantChanged record) {
    requireNonNull(record, "record");
    if (!follower.ready()) {
      throw new EventLogUnavailableException(
          "refresh grants are not being read, so no grant change can be decided");
    }
    String eventId = record.getEventId();
    CompletableFuture<GrantFold.Step> readBack = new CompletableFuture<>();
    if (readBacks.putIfAbsent(eventId, readBack) != null) {
      throw new IllegalArgumentException("a grant record with event id " + eventId + " is pending");
    }
    Future<RecordMetadata> sent;
    try {
      sent = log.send(Topics.REFRESH_GRANTS, record.getGrantId(), record);
    } catch (RuntimeException e) {
      readBacks.remove(eventId);
      throw e;
    }
    return () -> awaitReadBack(eventId, sent, readBack);
  }

  private GrantFold.Step awaitReadBack(
      String eventId, Future<RecordMetadata> sent, CompletableFuture<GrantFold.Step> readBack) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      RecordMetadata landed = log.await(List.of(sent), "RefreshGrantChanged").get(0);
      try {
        return readBack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        throw new EventLogUnavailableException(
            "RefreshGrantChanged at "
                + landed.topic()
                + "-"
                + landed.partition()
                + "@"
                + landed.offset()
                + " not read back within "
                + timeout.toMillis()
                + " ms",
            e);
      } catch (ExecutionException e) {
        throw new EventLogUnavailableException(
            "RefreshGrantChanged not read back: " + e.getCause(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EventLogUnavailableException("interrupted reading back RefreshGrantChanged", e);
      }
    } finally {
      readBacks.remove(eventId);
    }
  }

  @Override
  public void onUnsealed(Consumer<RefreshGrantChanged> handler) {
    this.unsealedHandler = requireNonNull(handler, "handler");
  }

  /** Folds one record, on the follower's thread. */
  private void apply(ConsumerRecord<String, byte[]> record) {
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
    GrantFold.Step[] step = new GrantFold.Step[1];
    grants.compute(
        incoming.getGrantId(),
        (id, known) -> {
          step[0] = GrantFold.fold(known, incoming);
          return step[0].folded();
        });
    if (step[0].verdict() == GrantFold.Verdict.LOST) {
      LOG.warn(
          "Grant {}: a rotation by {} lost (its token was spent or the grant revoked); the grant"
              + " is revoked",
          incoming.getGrantId(),
          incoming.getChangedBy());
      scheduleSealCheck(incoming.getGrantId());
    }
    CompletableFuture<GrantFold.Step> readBack = readBacks.get(incoming.getEventId());
    if (readBack != null) {
      readBack.complete(step[0]);
    }
  }

  private void scheduleSealCheck(String grantId) {
    try {
      // checkSeal handles its own failures (it reschedules itself); nothing to wait for here.
      var unused =
          sealChecks.schedule(
              () -> checkSeal(grantId), sealGrace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("Closing: grant {} is left to other instances to seal", grantId);
    }
  }

  /** Seals a grant whose last record lost, unless a REVOKED record followed in the meantime. */
  private void checkSeal(String grantId) {
    GrantFold.Folded folded = grants.get(grantId);
    if (folded == null || folded.sealed()) {
      return;
    }
    Consumer<RefreshGrantChanged> handler = unsealedHandler;
    if (handler == null) {
      scheduleSealCheck(grantId); // the issuer is still starting
      return;
    }
    try {
      handler.accept(folded.state());
    } catch (RuntimeException e) {
      LOG.warn("Could not seal grant {} yet: {}; trying again", grantId, e.getMessage());
      scheduleSealCheck(grantId);
    }
  }

  @Override
  public void close() {
    sealChecks.shutdownNow();
    follower.close();
    admin.close(Duration.ofSeconds(5));
  }
}
