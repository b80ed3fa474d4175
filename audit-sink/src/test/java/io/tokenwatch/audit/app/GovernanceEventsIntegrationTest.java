package io.tokenwatch.audit.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.GrantView;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.explain.WhyExplainer;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.StoreVerifier;
import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.events.PolicyChanged;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real sink, on the in-process broker, stores consents, their withdrawal, access-request
 * changes and policy changes in its tamper-evident chain, and explains a token issued under them.
 */
@Tag("integration")
@KafkaIntegrationTest
class GovernanceEventsIntegrationTest {

  @Test
  void shouldChainEveryGovernanceEventAndExplainATokenIssuedUnderThem(TestCluster cluster)
      throws Exception {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serde.registrySettings());
    Path dataDir = Files.createTempDirectory("audit-governance-it");
    Map<String, Object> settings =
        Map.of(
            AuditSinkConfig.BOOTSTRAP_SERVERS,
            cluster.bootstrapServers(),
            AuditSinkConfig.SCHEMA_REGISTRY_URL,
            cluster.schemaRegistryUrl(),
            AuditSinkConfig.GROUP_ID,
            "it-governance-" + UUID.randomUUID(),
            AuditSinkConfig.DATA_DIR,
            dataDir.toString(),
            AuditSinkConfig.HTTP_PORT,
            0,
            AuditSinkConfig.BATCH_MAX_WAIT_MS,
            50,
            AuditSinkConfig.CHECKPOINT_INTERVAL_MS,
            500);
    String run = UUID.randomUUID().toString().substring(0, 8);
    String user = "user-" + run;
    String consentId = "cns-" + run;
    String digest = "sha256-" + run;
    String tokenId = "tok-" + run;
    PolicyRef policy =
        PolicyRef.newBuilder().setPolicyId("tokenwatch-sample").setPolicyVersion(digest).build();
    PolicyChanged change =
        PolicyChanged.newBuilder(SampleEvents.policyChanged())
            .setEventId(UUID.randomUUID().toString())
            .setDigest(digest)
            .setAuthor("carol-" + run)
            .build();
    ConsentGranted consent =
        ConsentGranted.newBuilder(SampleEvents.consentGranted())
            .setEventId(UUID.randomUUID().toString())
            .setConsentId(consentId)
            .setUser(user)
            .setPolicy(policy)
            .build();
    AccessRequestChanged request =
        AccessRequestChanged.newBuilder(SampleEvents.accessRequestChanged())
            .setEventId(UUID.randomUUID().toString())
            .setRequestId("req-" + run)
            .build();
    TokenIssued token =
        TokenIssued.newBuilder(SampleEvents.tokenIssued())
            .setEventId(UUID.randomUUID().toString())
            .setTokenId(tokenId)
            .setSubject(user)
            .setGrantId(consentId)
            .setParentTokenId(null)
            .setLineage(List.of())
            .setActor(null)
            .setPolicy(policy)
            .build();
    ConsentWithdrawn withdrawn =
        ConsentWithdrawn.newBuilder(SampleEvents.consentWithdrawn())
            .setEventId(UUID.randomUUID().toString())
            .setConsentId(consentId)
            .setUser(user)
            .setWithdrawnBy(user)
            .build();

    // The sink creates the catalogue's topics (compacted, one partition, ...) as it starts.
    AuditSinkApp app = AuditSinkApp.start(settings);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      send(producer, registry, serde, Topics.POLICY_CHANGES, "tokenwatch-sample", change);
      send(producer, registry, serde, Topics.CONSENTS, user, consent);
      send(producer, registry, serde, Topics.ACCESS_REQUESTS, "req-" + run, request);
      send(producer, registry, serde, Topics.TOKEN_ISSUED, tokenId, token);
      send(producer, registry, serde, Topics.CONSENT_WITHDRAWALS, user, withdrawn);
      producer.flush();

      List<String> ids =
          List.of(
              change.getEventId(),
              consent.getEventId(),
              request.getEventId(),
              token.getEventId(),
              withdrawn.getEventId());
      await().atMost(Duration.ofSeconds(60)).until(() -> storedIds(app, ids).size() == 5);
      assertThat(storedIds(app, ids))
          .containsExactlyInAnyOrder(
              "PolicyChanged",
              "ConsentGranted",
              "AccessRequestChanged",
              "TokenIssued",
              "ConsentWithdrawn");

      try (AuditStore reader = app.reader()) {
        AuditQueries queries = new AuditQueries(reader);
        ObjectNode why =
            WhyExplainer.explain(tokenId, queries.why(tokenId, 1000), System.currentTimeMillis());
        assertThat(why.path("consent").path("user").asText()).isEqualTo(user);
        assertThat(why.path("consent").path("withdrawn").path("by").asText()).isEqualTo(user);
        assertThat(why.path("policy").path("author").asText()).isEqualTo("carol-" + run);
        List<GrantView> grants =
            queries.grants(
                new AuditFilter(null, null, tokenId, null, Set.of(), null, null, null, null, 10),
                System.currentTimeMillis());
        assertThat(grants.get(0).governance())
            .extracting(AuditEvent::eventType)
            .containsExactlyInAnyOrder("PolicyChanged", "ConsentGranted", "ConsentWithdrawn");
      }
    } finally {
      app.close();
    }

    try (AuditStore store =
        AuditStore.openReadOnly(dataDir.resolve(AuditSinkConfig.DEFAULT_DB_FILE))) {
      VerificationReport report = StoreVerifier.verify(store, KeyFiles.publicKey(dataDir), 2);
      assertThat(report.findings()).isEmpty();
      assertThat(report.verifies()).isTrue();
      assertThat(report.records()).isGreaterThanOrEqualTo(5);
    }
  }

  private static List<String> storedIds(AuditSinkApp app, List<String> eventIds) {
    try (AuditStore reader = app.reader()) {
      return new AuditQueries(reader)
          .query(AuditFilter.all(100_000)).stream()
              .filter(e -> eventIds.contains(e.eventId()))
              .map(AuditEvent::eventType)
              .toList();
    }
  }

  @SuppressWarnings("unchecked")
  private static <V extends SpecificRecord> void send(
      KafkaProducer<byte[], byte[]> producer,
      SchemaRegistryClient registry,
      SerdeConfig serde,
      Topic<String, V> topic,
      String key,
      V value) {
    var serializer =
        AvroSerdes.specific((Class<V>) value.getClass(), registry, serde, false).serializer();
    producer.send(
        new ProducerRecord<>(
            topic.name(), key.getBytes(UTF_8), serializer.serialize(topic.name(), value)));
  }
}
