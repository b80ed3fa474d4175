package io.tokenwatch.audit.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.StoreVerifier;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.schemas.registry.InMemorySchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditIngestTest {

  private static final String ISSUED = Topics.TOKEN_ISSUED.name();
  private static final String USED = Topics.TOKEN_USED.name();
  private static final TopicPartition ISSUED_0 = new TopicPartition(ISSUED, 0);
  private static final TopicPartition USED_0 = new TopicPartition(USED, 0);

  @TempDir Path dir;
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final SerdeConfig serde = SerdeConfig.of(Map.of("schema.registry.url", "http://x"));
  private final Serializer<TokenIssued> issuedSerializer =
      AvroSerdes.specific(TokenIssued.class, registry, serde, false).serializer();
  private final Serializer<TokenUsed> usedSerializer =
      AvroSerdes.specific(TokenUsed.class, registry, serde, false).serializer();
  private final MockProducer<byte[], byte[]> deadLetters =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
  private AuditStore store;
  private KeyPair keys;
  private MockConsumer<byte[], byte[]> consumer;
  private AuditIngest ingest;

  @BeforeEach
  void start() {
    store = AuditStore.openReadWrite(dir.resolve("audit.duckdb"));
    keys = KeyFiles.loadOrCreate(dir);
    consumer = newConsumer();
    ingest = newIngest(consumer);
    consumer.subscribe(List.of(ISSUED, USED));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static MockConsumer<byte[], byte[]> newConsumer() {
    MockConsumer<byte[], byte[]> consumer =
        new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
    Map<TopicPartition, Long> beginning = new HashMap<>();
    beginning.put(ISSUED_0, 0L);
    beginning.put(USED_0, 0L);
    consumer.updateBeginningOffsets(beginning);
    return consumer;
  }

  private AuditIngest newIngest(MockConsumer<byte[], byte[]> mock) {
    return newIngest(mock, deadLetters);
  }

  private AuditIngest newIngest(
      MockConsumer<byte[], byte[]> mock, MockProducer<byte[], byte[]> deadLetterProducer) {
    return new AuditIngest(
        mock,
        AvroSerdes.generic(registry, serde, false).deserializer(),
        store,
        new CheckpointSigner(keys),
        deadLetterProducer,
        Topics.DEAD_LETTERS.name(),
        List.of(ISSUED, USED),
        new AuditIngest.Settings(1000, Duration.ZERO, 1_000_000, Duration.ofHours(1)),
        clock,
        IngestListener.NONE);
  }

  private ConsumerRecord<byte[], byte[]> issued(long offset, String tokenId) {
    TokenIssued event = SampleEvents.tokenIssued();
    event.setEventId("issued-" + tokenId);
    event.setTokenId(tokenId);
    return new ConsumerRecord<>(
        ISSUED, 0, offset, tokenId.getBytes(UTF_8), issuedSerializer.serialize(ISSUED, event));
  }

  private ConsumerRecord<byte[], byte[]> used(long offset, String eventId) {
    TokenUsed event = SampleEvents.tokenUsed();
    event.setEventId(eventId);
    return new ConsumerRecord<>(
        USED, 0, offset, "k".getBytes(UTF_8), usedSerializer.serialize(USED, event));
  }

  private void assign() {
    consumer.rebalance(List.of(ISSUED_0, USED_0));
    consumer.seek(
        ISSUED_0,
        store.partitions().containsKey(new io.tokenwatch.audit.ChainKey(ISSUED, 0))
            ? store.partitions().get(new io.tokenwatch.audit.ChainKey(ISSUED, 0)).nextOffset()
            : 0);
    consumer.seek(
        USED_0,
        store.partitions().containsKey(new io.tokenwatch.audit.ChainKey(USED, 0))
            ? store.partitions().get(new io.tokenwatch.audit.ChainKey(USED, 0)).nextOffset()
            : 0);
  }

  private List<AuditEvent> stored() {
    return new AuditQueries(store).query(AuditFilter.all(1000));
  }

  @Test
  void shouldStoreDecodedEventsWithTheirColumns() {
    assign();
    consumer.addRecord(issued(0, "tok-1"));
    consumer.addRecord(used(0, "use-1"));

    ingest.pollOnce();

    List<AuditEvent> events = stored();
    assertThat(events)
        .extracting(AuditEvent::eventId)
        .containsExactlyInAnyOrder("issued-tok-1", "use-1");
    AuditEvent issuance =
        events.stream().filter(e -> e.eventType().equals("TokenIssued")).findFirst().orElseThrow();
    assertThat(issuance.tokenId()).isEqualTo("tok-1");
    assertThat(issuance.subject()).isEqualTo(SampleEvents.SUBJECT);
    assertThat(issuance.clientId()).isEqualTo(SampleEvents.CLIENT_ID);
    assertThat(issuance.decision()).isEqualTo("ISSUED");
    assertThat(issuance.policyVersion()).isNotNull();
    assertThat(issuance.json()).contains("\"token_id\": \"tok-1\"");
    assertThat(store.partitions().get(issuance.chain()).nextOffset()).isEqualTo(1);
  }

  @Test
  void shouldStoreRedeliveredAndRetriedEventsOnceAndStillVerify() {
    assign();
    consumer.addRecord(issued(0, "tok-1"));
    consumer.addRecord(used(0, "use-1"));
    consumer.addRecord(used(1, "use-2"));
    ingest.pollOnce();
    // a producer retry: the same event again at a later offset
    consumer.addRecord(used(2, "use-2"));
    consumer.addRecord(used(3, "use-3"));
    ingest.pollOnce();

    // a restart that re-reads everything from the beginning (e.g. positions lost in Kafka)
    MockConsumer<byte[], byte[]> again = newConsumer();
    again.subscribe(List.of(ISSUED, USED));
    again.rebalance(List.of(ISSUED_0, USED_0));
    again.seek(ISSUED_0, 0);
    again.seek(USED_0, 0);
    for (ConsumerRecord<byte[], byte[]> record :
        List.of(
            issued(0, "tok-1"),
            used(0, "use-1"),
            used(1, "use-2"),
            used(2, "use-2"),
            used(3, "use-3"))) {
      again.addRecord(record);
    }
    newIngest(again).pollOnce();

    assertThat(stored())
        .extracting(AuditEvent::eventId)
        .containsExactlyInAnyOrder("issued-tok-1", "use-1", "use-2", "use-3");
    store.checkpoint(new CheckpointSigner(keys), 1);
    assertThat(StoreVerifier.verify(store, keys.getPublic(), 1).findings()).isEmpty();
  }

  @Test
  void shouldDeadLetterUndecodableRecordsAndGoOn() {
    assign();
    consumer.addRecord(
        new ConsumerRecord<>(USED, 0, 0, "k".getBytes(UTF_8), new byte[] {0, 0, 0, 0, 99, 1}));
    consumer.addRecord(used(1, "use-1"));

    ingest.pollOnce();

    assertThat(stored()).extracting(AuditEvent::eventId).containsExactly("use-1");
    assertThat(deadLetters.history()).hasSize(1);
    assertThat(
            new String(
                deadLetters.history().get(0).headers().lastHeader(AuditIngest.ERROR_OFFSET).value(),
                UTF_8))
        .isEqualTo("0");
    assertThat(store.partitions().get(new io.tokenwatch.audit.ChainKey(USED, 0)).nextOffset())
        .isEqualTo(2);
  }

  @Test
  void shouldReadABatchAgainWhenTheRegistryIsDown() {
    assign();
    consumer.addRecord(issued(0, "tok-1"));
    consumer.addRecord(used(0, "use-1"));
    registry.down(true);
    // the deserializer caches writer schemas: a fresh ingest must ask the registry
    AuditIngest fresh = newIngest(consumer);

    fresh.pollOnce();

    assertThat(stored()).isEmpty();
    assertThat(consumer.position(USED_0)).isZero();
    registry.down(false);
    consumer.addRecord(issued(0, "tok-1"));
    consumer.addRecord(used(0, "use-1"));
    fresh.pollOnce();
    assertThat(stored()).hasSize(2);
  }

  @Test
  void shouldReadABatchAgainWhenItsDeadLetterWasNotWritten() {
    MockProducer<byte[], byte[]> unwritable =
        new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized void flush() {
            // the broker refuses every pending dead letter
            boolean pending = true;
            while (pending) {
              pending = errorNext(new NotEnoughReplicasException("dead-letter topic unavailable"));
            }
          }
        };
    AuditIngest failing = newIngest(consumer, unwritable);
    assign();
    consumer.addRecord(
        new ConsumerRecord<>(USED, 0, 0, "k".getBytes(UTF_8), new byte[] {0, 0, 0, 0, 99, 1}));
    consumer.addRecord(used(1, "use-1"));

    failing.pollOnce();

    assertThat(stored()).isEmpty();
    assertThat(store.partitions()).doesNotContainKey(new io.tokenwatch.audit.ChainKey(USED, 0));
    assertThat(consumer.position(USED_0)).isZero();
  }
}
