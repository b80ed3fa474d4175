package io.tokenwatch.audit.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.StoreVerifier;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
@KafkaIntegrationTest
class AuditSinkIntegrationTest {

  private static List<AuditEvent> stored(AuditSinkApp app, String subject) {
    try (AuditStore reader = app.reader()) {
      return new AuditQueries(reader)
          .query(
              new AuditFilter(
                  subject, null, null, null, java.util.Set.of(), null, null, null, null, 1000));
    }
  }

  @Test
  void shouldStoreEveryEventOnceAcrossRestartsAndVerify(TestCluster cluster) throws Exception {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serde.registrySettings());
    Path dataDir = Files.createTempDirectory("audit-it");
    Map<String, Object> settings =
        Map.of(
            AuditSinkConfig.BOOTSTRAP_SERVERS,
            cluster.bootstrapServers(),
            AuditSinkConfig.SCHEMA_REGISTRY_URL,
            cluster.schemaRegistryUrl(),
            AuditSinkConfig.GROUP_ID,
            "it-audit-" + UUID.randomUUID(),
            AuditSinkConfig.DATA_DIR,
            dataDir.toString(),
            AuditSinkConfig.HTTP_PORT,
            0,
            AuditSinkConfig.BATCH_MAX_WAIT_MS,
            50,
            AuditSinkConfig.CHECKPOINT_INTERVAL_MS,
            500);
    String subject = "it-" + UUID.randomUUID();
    var issued = AvroSerdes.specific(TokenIssued.class, registry, serde, false).serializer();
    var used = AvroSerdes.specific(TokenUsed.class, registry, serde, false).serializer();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      AuditSinkApp app = AuditSinkApp.start(settings);
      try {
        TokenIssued event = SampleEvents.tokenIssued();
        event.setEventId(UUID.randomUUID().toString());
        event.setSubject(subject);
        event.setTokenId("tok-" + subject);
        producer.send(
            new ProducerRecord<>(
                Topics.TOKEN_ISSUED.name(),
                event.getTokenId().getBytes(UTF_8),
                issued.serialize(Topics.TOKEN_ISSUED.name(), event)));
        TokenUsed use = SampleEvents.tokenUsed();
        use.setEventId(UUID.randomUUID().toString());
        use.setSubject(subject);
        byte[] useBytes = used.serialize(Topics.TOKEN_USED.name(), use);
        producer.send(new ProducerRecord<>(Topics.TOKEN_USED.name(), null, useBytes));
        // a producer retry of the same use, and a poison record
        producer.send(new ProducerRecord<>(Topics.TOKEN_USED.name(), null, useBytes));
        producer.send(
            new ProducerRecord<>(Topics.TOKEN_USED.name(), null, "garbage".getBytes(UTF_8)));
        producer.flush();

        await().atMost(Duration.ofSeconds(60)).until(() -> stored(app, subject).size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(app::isReady);
        HttpResponse<String> health =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://localhost:" + app.httpPort() + "/api/v1/events"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.headers().firstValue("Content-Type"))
            .hasValueSatisfying(type -> assertThat(type).contains("application/problem+json"));
      } finally {
        app.close();
      }

      AuditSinkApp again = AuditSinkApp.start(settings);
      try {
        TokenUsed second = SampleEvents.tokenUsed();
        second.setEventId(UUID.randomUUID().toString());
        second.setSubject(subject);
        producer.send(
            new ProducerRecord<>(
                Topics.TOKEN_USED.name(), null, used.serialize(Topics.TOKEN_USED.name(), second)));
        producer.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> stored(again, subject).size() == 3);
      } finally {
        again.close();
      }
    }
    String keyId = io.tokenwatch.audit.CheckpointSigner.keyId(KeyFiles.publicKey(dataDir));
    try (var consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<>(
            Map.<String, Object>of(
                "bootstrap.servers",
                cluster.bootstrapServers(),
                "group.id",
                "it-checkpoints-" + UUID.randomUUID(),
                "auto.offset.reset",
                "earliest"),
            new org.apache.kafka.common.serialization.StringDeserializer(),
            AvroSerdes.specific(io.tokenwatch.events.AuditCheckpoint.class, registry, serde, false)
                .deserializer())) {
      consumer.subscribe(List.of(Topics.AUDIT_CHECKPOINTS.name()));
      List<io.tokenwatch.events.AuditCheckpoint> published = new java.util.ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> published.add(r.value()));
                return published.stream().anyMatch(c -> c.getKeyId().equals(keyId));
              });
    }
    try (AuditStore store =
        AuditStore.openReadOnly(dataDir.resolve(AuditSinkConfig.DEFAULT_DB_FILE))) {
      VerificationReport report = StoreVerifier.verify(store, KeyFiles.publicKey(dataDir), 2);
      assertThat(report.findings()).isEmpty();
      assertThat(report.checkpoints()).isPositive();
      assertThat(report.unsealed()).isZero();
      assertThat(
              new AuditQueries(store)
                  .query(
                      new AuditFilter(
                          subject,
                          null,
                          null,
                          null,
                          java.util.Set.of(),
                          null,
                          null,
                          null,
                          null,
                          100)))
          .extracting(AuditEvent::eventType)
          .containsExactly("TokenIssued", "TokenUsed", "TokenUsed");
    }
  }
}
