package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.issuer.kafka.KafkaEventLog;
import io.tokenwatch.issuer.kafka.KafkaRefreshGrantStore;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.fixtures.TestEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison on the issuer's refresh-grant topic: an unreadable record may have revoked its grant, so
 * the issuer must not keep the grant in the last state it could read (fail open); it refuses that
 * grant and keeps serving every other one.
 */
@Tag("integration")
class RefreshGrantPoisonIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dataDir;

  @Test
  void shouldRefuseAGrantWhoseLatestStateIsUnreadableAndKeepServingTheOthers() throws Exception {
    try (KafkaPlatform platform = KafkaPlatform.start(dataDir)) {
      SerdeConfig serdes =
          SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl()));
      SchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());
      try (Admin admin =
          Admin.create(
              Map.<String, Object>of(
                  AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
        new TopicEnsurer(admin, registry, WAIT).ensure(Topics.ALL);
      }

      String poisoned = "grant-poisoned-" + UUID.randomUUID();
      String healthy = "grant-healthy-" + UUID.randomUUID();
      try (KafkaProducer<String, RefreshGrantChanged> states =
              platform.producer(RefreshGrantChanged.class);
          KafkaProducer<String, byte[]> raw = platform.rawProducer()) {
        String topic = Topics.REFRESH_GRANTS.name();
        states.send(new ProducerRecord<>(topic, poisoned, active(poisoned))).get();
        states.send(new ProducerRecord<>(topic, healthy, active(healthy))).get();
        raw.send(new ProducerRecord<>(topic, poisoned, new byte[] {0, 0, 0, 0, 1, 42})).get();
      }

      try (KafkaEventLog log =
              new KafkaEventLog(
                  KafkaEventLog.producer(
                      KafkaEventLog.producerConfig(platform.bootstrapServers(), WAIT)),
                  registry,
                  WAIT);
          KafkaRefreshGrantStore store =
              new KafkaRefreshGrantStore(
                  log, Map.of("bootstrap.servers", platform.bootstrapServers()), registry)) {
        store.start(WAIT);

        assertThat(store.get(healthy)).as("a grant whose state is readable").isPresent();
        assertThat(store.get(poisoned))
            .as("a grant whose latest record is unreadable: refused, not left ACTIVE")
            .isEmpty();
        assertThat(store.ready()).isTrue();
        Figures.record(
            "poison input (issuer refresh grants)",
            Map.of("unreadableGrantRecords", 1, "grantsRefused", 1, "grantsStillServed", 1));
      }
    }
  }

  private static RefreshGrantChanged active(String grantId) {
    return TestEvents.refreshGrant(grantId, Instant.now()).build();
  }
}
