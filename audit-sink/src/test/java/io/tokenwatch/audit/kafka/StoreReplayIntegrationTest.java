package io.tokenwatch.audit.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.events.Revocation;
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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
@KafkaIntegrationTest
class StoreReplayIntegrationTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path dir;

  @Test
  void shouldRepublishAStoredRangeInOrderAsTheOriginalRecords(TestCluster cluster)
      throws Exception {
    // 30 events over three topics, one a second; the range [T0+10s, T0+20s) is replayed
    List<SpecificRecord> originals = new ArrayList<>();
    List<AuditEvent> stored = new ArrayList<>();
    Map<String, Long> offsets = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      Instant at = T0.plusSeconds(i);
      SpecificRecord event =
          switch (i % 3) {
            case 0 -> {
              TokenIssued issued = SampleEvents.tokenIssued();
              issued.setEventId(UUID.randomUUID().toString());
              issued.setOccurredAt(at);
              issued.setTokenId("tok-" + i);
              yield issued;
            }
            case 1 -> {
              TokenUsed used = SampleEvents.tokenUsed();
              used.setEventId(UUID.randomUUID().toString());
              used.setOccurredAt(at);
              used.setTokenId("tok-" + (i - 1));
              yield used;
            }
            default -> {
              Revocation revocation = SampleEvents.revocation();
              revocation.setEventId(UUID.randomUUID().toString());
              revocation.setOccurredAt(at);
              yield revocation;
            }
          };
      String topic =
          switch (i % 3) {
            case 0 -> Topics.TOKEN_ISSUED.name();
            case 1 -> Topics.TOKEN_USED.name();
            default -> Topics.REVOCATIONS.name();
          };
      long offset = offsets.merge(topic, 1L, Long::sum) + 40;
      originals.add(event);
      stored.add(EventMapper.map((GenericRecord) event, topic, i % 2, offset));
    }
    Map<ChainKey, Long> next = new HashMap<>();
    stored.forEach(e -> next.merge(e.chain(), e.sourceOffset() + 1, Math::max));

    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serde.registrySettings());
    String target = "incident-replay-" + UUID.randomUUID();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(target, 1, (short) 1))).all().get();
    }

    StoreReplay.Result result;
    try (AuditStore store = AuditStore.openReadWrite(dir.resolve("audit.duckdb"));
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG,
                    "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                    true),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
      store.append(stored, next);
      AuditQueries queries = new AuditQueries(store);
      AuditFilter range =
          new AuditFilter(
              null,
              null,
              null,
              null,
              Set.of(),
              null,
              null,
              T0.plusSeconds(10).toEpochMilli(),
              T0.plusSeconds(20).toEpochMilli(),
              1);
      var values = AvroSerdes.generic(registry, serde, false).serializer();
      assertThatThrownBy(
              () ->
                  StoreReplay.toTopic(
                      queries,
                      range,
                      AuditQueries.Order.TIME,
                      Topics.TOKEN_USED.name(),
                      producer,
                      values,
                      n -> {}))
          .isInstanceOf(IllegalArgumentException.class);
      result =
          StoreReplay.toTopic(
              queries, range, AuditQueries.Order.TIME, target, producer, values, n -> {});
    }

    assertThat(result.published()).isEqualTo(10);
    List<ConsumerRecord<byte[], byte[]>> records = readAll(cluster, target, 10);
    Deserializer<GenericRecord> decoder = AvroSerdes.generic(registry, serde, false).deserializer();
    List<SpecificRecord> expected = originals.subList(10, 20);
    for (int i = 0; i < expected.size(); i++) {
      ConsumerRecord<byte[], byte[]> record = records.get(i);
      SpecificRecord original = expected.get(i);
      AuditEvent source = stored.get(10 + i);
      GenericRecord decoded = decoder.deserialize(target, record.headers(), record.value());
      // same schema, same field values: the decoded record re-maps to the very same columns
      assertThat(decoded.getSchema()).isEqualTo(original.getSchema());
      assertThat(decoded.get("event_id").toString()).isEqualTo(source.eventId());
      assertThat(EventMapper.map(decoded, source.sourceTopic(), 0, 0).json())
          .isEqualTo(source.json());
      assertThat(StoredEvents.rebuild(source.eventType(), source.json())).isEqualTo(original);
      assertThat(new String(record.key(), UTF_8))
          .isEqualTo(StoredEvents.key((GenericRecord) original));
      assertThat(record.timestamp()).isEqualTo(source.occurredAt());
      assertThat(header(record, StoreReplay.SOURCE_TOPIC)).isEqualTo(source.sourceTopic());
      assertThat(header(record, StoreReplay.SOURCE_PARTITION))
          .isEqualTo(Integer.toString(source.sourcePartition()));
      assertThat(header(record, StoreReplay.SOURCE_OFFSET))
          .isEqualTo(Long.toString(source.sourceOffset()));
    }
    // the specific deserializer reads them back equal to the originals
    var specificIssued =
        AvroSerdes.specific(TokenIssued.class, registry, serde, false).deserializer();
    ConsumerRecord<byte[], byte[]> firstIssued = records.get(2); // T0+12s: i = 12, an issuance
    assertThat(specificIssued.deserialize(target, firstIssued.headers(), firstIssued.value()))
        .isEqualTo(originals.get(12));
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), UTF_8);
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(
      TestCluster cluster, String topic, int expected) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline
          && consumer.position(partition)
              < consumer.endOffsets(List.of(partition)).get(partition)) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      assertThat(consumer.endOffsets(List.of(partition)).get(partition)).isEqualTo(expected);
    }
    return records;
  }
}
