package io.tokenwatch.issuer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import io.tokenwatch.issuer.GrantFold;
import io.tokenwatch.issuer.RefreshGrantStore;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.fixtures.TestEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * The grant store's conditional appends on a real broker: two stores (two instances) rotating the
 * same state get one rotation and one loss, whichever was produced first; and a losing record whose
 * writer stopped before reading it back is sealed by another instance after the grace period.
 */
@KafkaIntegrationTest
class KafkaRefreshGrantStoreIntegrationTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Test
  void shouldLetExactlyOneOfTwoInstancesRotationsOfOneStateTakeEffect(TestCluster cluster) {
    SchemaRegistryClient registry = ensureTopics(cluster);
    int races = 20;
    List<String> verdicts = new ArrayList<>();
    try (KafkaEventLog logA = log(cluster, registry);
        KafkaEventLog logB = log(cluster, registry);
        KafkaRefreshGrantStore a = store(cluster, logA, registry, TIMEOUT);
        KafkaRefreshGrantStore b = store(cluster, logB, registry, TIMEOUT)) {
      a.start(TIMEOUT);
      b.start(TIMEOUT);
      for (int i = 0; i < races; i++) {
        RefreshGrantChanged open = open();
        assertThat(a.append(open).verdict()).isEqualTo(GrantFold.Verdict.OPENED);

        // Both decided against the open state; both in flight before either is read back.
        RefreshGrantStore.Append fromA = a.send(rotation(open, "a"));
        RefreshGrantStore.Append fromB = b.send(rotation(open, "b"));
        List<GrantFold.Verdict> race = List.of(fromA.await().verdict(), fromB.await().verdict());

        verdicts.add(race.stream().map(Enum::name).sorted().toList().toString());
        RefreshGrantChanged atA = a.latest(open.getGrantId()).orElseThrow();
        RefreshGrantChanged atB = b.latest(open.getGrantId()).orElseThrow();
        assertThat(atA.getStatus()).isEqualTo(RefreshGrantStatus.REVOKED);
        assertThat(atB).isEqualTo(atA);
      }
    }
    assertThat(verdicts).containsOnly("[LOST, ROTATED]").hasSize(races);
  }

  @Test
  void shouldSealALossWhoseWriterStoppedBeforeReadingItBack(TestCluster cluster) {
    SchemaRegistryClient registry = ensureTopics(cluster);
    List<RefreshGrantChanged> sealed = new CopyOnWriteArrayList<>();
    RefreshGrantChanged open = open();
    try (KafkaEventLog log = log(cluster, registry);
        KafkaRefreshGrantStore survivor = store(cluster, log, registry, Duration.ofMillis(500))) {
      survivor.onUnsealed(
          folded -> {
            sealed.add(folded);
            survivor.append(
                RefreshGrantChanged.newBuilder(folded)
                    .setEventId(UUID.randomUUID().toString())
                    .setStatus(RefreshGrantStatus.REVOKED)
                    .setChangedBy("survivor")
                    .build());
          });
      survivor.start(TIMEOUT);
      survivor.append(open);
      assertThat(survivor.append(rotation(open, "winner")).verdict())
          .isEqualTo(GrantFold.Verdict.ROTATED);

      // Another instance's rotation of the same state, produced and never read back (it stopped).
      try (KafkaEventLog stopped = log(cluster, registry)) {
        stopped.await(
            List.of(
                stopped.send(
                    Topics.REFRESH_GRANTS, open.getGrantId(), rotation(open, "stopped-loser"))),
            "RefreshGrantChanged");
      }

      // Losses replayed from the shared topic (other tests') are sealed too; this grant's once.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> sealed.stream().anyMatch(s -> s.getGrantId().equals(open.getGrantId())));
      assertThat(sealed)
          .filteredOn(folded -> folded.getGrantId().equals(open.getGrantId()))
          .singleElement()
          .satisfies(
              folded -> assertThat(folded.getStatus()).isEqualTo(RefreshGrantStatus.REVOKED));
    }
    // A reader that starts now ends on the seal, not on the losing record.
    try (KafkaEventLog log = log(cluster, registry);
        KafkaRefreshGrantStore late = store(cluster, log, registry, TIMEOUT)) {
      late.start(TIMEOUT);
      assertThat(late.get(open.getGrantId()).orElseThrow().getStatus())
          .isEqualTo(RefreshGrantStatus.REVOKED);
    }
  }

  private static RefreshGrantChanged open() {
    String grantId = UUID.randomUUID().toString();
    return TestEvents.refreshGrant(grantId, Instant.now())
        .setTokenHashes(List.of("hash-0-" + grantId))
        .build();
  }

  private static RefreshGrantChanged rotation(RefreshGrantChanged from, String by) {
    List<String> hashes = new ArrayList<>(from.getTokenHashes());
    hashes.add("hash-1-by-" + by + "-" + UUID.randomUUID());
    return RefreshGrantChanged.newBuilder(from)
        .setEventId(UUID.randomUUID().toString())
        .setGeneration(from.getGeneration() + 1)
        .setTokenHashes(hashes)
        .setChangedBy(by)
        .build();
  }

  private static SchemaRegistryClient ensureTopics(TestCluster cluster) {
    SerdeConfig serdes =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());
    try (Admin admin =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      new TopicEnsurer(admin, registry, TIMEOUT)
          .ensure(List.<Topic<?, ?>>of(Topics.REFRESH_GRANTS));
    }
    return registry;
  }

  private static KafkaEventLog log(TestCluster cluster, SchemaRegistryClient registry) {
    return new KafkaEventLog(
        KafkaEventLog.producer(KafkaEventLog.producerConfig(cluster.bootstrapServers(), TIMEOUT)),
        registry,
        TIMEOUT);
  }

  private static KafkaRefreshGrantStore store(
      TestCluster cluster, KafkaEventLog log, SchemaRegistryClient registry, Duration grace) {
    return new KafkaRefreshGrantStore(
        log, Map.of("bootstrap.servers", cluster.bootstrapServers()), registry, grace);
  }
}
