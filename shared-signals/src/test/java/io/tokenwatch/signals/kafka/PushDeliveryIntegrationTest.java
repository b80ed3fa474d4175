package io.tokenwatch.signals.kafka;

import static io.tokenwatch.signals.kafka.TopicContents.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerde;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.InMemoryStreamRegistry;
import io.tokenwatch.signals.PushPolicy;
import io.tokenwatch.signals.SecurityEvent;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.SubjectId;
import io.tokenwatch.signals.set.SetSigner;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push delivery on the real broker to real HTTP receivers, all streams on one partition: receivers
 * that fail for a while (5xx, timeouts, 400 for one SET, stopped and started again) get every SET
 * in order, while a healthy one keeps receiving; a restart of the deliverer loses nothing; a stream
 * whose SETs wait past the age limit is disabled with an alert.
 */
@KafkaIntegrationTest
class PushDeliveryIntegrationTest {

  private static final String ISSUER = "https://issuer.example";
  private static final int PER_BATCH = 4;

  @TempDir Path keysDir;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final InMemoryStreamRegistry registry = new InMemoryStreamRegistry();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final PushDeliverer.Topics topics =
      new PushDeliverer.Topics(
          "it-ssf-events-" + run,
          "it-ssf-delivery-" + run,
          Topics.SECURITY_ALERTS.name(),
          "it-dead-letters-" + run);

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void shouldDeliverEverySetInOrderPerStreamDespiteFailingReceiversAndARestart(TestCluster cluster)
      throws Exception {
    SchemaRegistryClient schemas = schemaRegistry(cluster);
    TopicEnsurer.ensureCatalogue(Map.of("bootstrap.servers", cluster.bootstrapServers()), schemas);
    createTopics(cluster);

    TestReceiver healthy = receiver((n, jti) -> TestReceiver.Answer.accepted());
    TestReceiver flaky =
        receiver(
            (n, jti) ->
                n <= 3 ? new TestReceiver.Answer(503, "", 0) : TestReceiver.Answer.accepted());
    TestReceiver slow =
        receiver(
            (n, jti) ->
                n <= 2 ? new TestReceiver.Answer(202, "", 1_500) : TestReceiver.Answer.accepted());
    List<String> rejectOnce = new java.util.concurrent.CopyOnWriteArrayList<>();
    TestReceiver rejecting =
        receiver(
            (n, jti) ->
                rejectOnce.contains(jti)
                    ? new TestReceiver.Answer(
                        400, "{\"err\":\"invalid_request\",\"description\":\"bad subject\"}", 0)
                    : TestReceiver.Answer.accepted());
    TestReceiver vanishing = receiver((n, jti) -> TestReceiver.Answer.accepted());

    Map<String, TestReceiver> receivers = new LinkedHashMap<>();
    receivers.put("healthy-" + run, healthy);
    receivers.put("flaky-" + run, flaky);
    receivers.put("slow-" + run, slow);
    receivers.put("rejecting-" + run, rejecting);
    receivers.put("vanishing-" + run, vanishing);
    receivers.forEach((id, receiver) -> registry.put(stream(id, receiver, StreamStatus.ENABLED)));
    TestReceiver held = receiver((n, jti) -> TestReceiver.Answer.accepted());
    String heldId = "paused-" + run;
    registry.put(stream(heldId, held, StreamStatus.PAUSED));
    String pollId = "poll-" + run;
    registry.put(
        withMethod(stream(pollId, "https://transmitter.example/poll", StreamStatus.ENABLED)));
    String deadId = "dead-" + run;
    registry.put(stream(deadId, "http://localhost:1/events", StreamStatus.ENABLED));

    SigningKeys keys = SigningKeys.open(keysDir, SigningAlgorithm.EDDSA, Clock.systemUTC());
    KafkaProducer<String, byte[]> setProducer =
        closing(
            new KafkaProducer<>(
                producerSettings(cluster), new StringSerializer(), new ByteArraySerializer()));
    KafkaEventOutbox outbox =
        new KafkaEventOutbox(
            setProducer,
            new SetSigner(keys, ISSUER, Clock.systemUTC(), Duration.ofMinutes(1)),
            topics.events(),
            Duration.ofSeconds(30),
            new SimpleMeterRegistry());
    KafkaProducer<byte[], byte[]> bytes =
        closing(
            new KafkaProducer<>(
                producerSettings(cluster), new ByteArraySerializer(), new ByteArraySerializer()));

    Map<String, List<String>> expected = new HashMap<>();
    // A SET that has waited past the age limit before delivery starts: its stream is disabled.
    bytes
        .send(
            new ProducerRecord<>(
                topics.events(),
                null,
                Instant.now().minus(Duration.ofHours(1)).toEpochMilli(),
                deadId.getBytes(StandardCharsets.UTF_8),
                "a.b.c".getBytes(StandardCharsets.UTF_8)))
        .get();

    Set<String> alsoSent = Set.of(heldId, pollId);
    sendBatch(outbox, union(receivers.keySet(), alsoSent), 0, expected);
    rejectOnce.add(expected.get("rejecting-" + run).get(1));
    String groupId = "it-push-" + run;
    PushDeliverer first = deliverer(cluster, groupId, bytes, schemas);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> healthy.deduplicated().size() >= PER_BATCH && vanishing.requests() >= 1);
    vanishing.stop();
    sendBatch(outbox, union(receivers.keySet(), alsoSent), PER_BATCH, expected);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> healthy.deduplicated().size() >= 2 * PER_BATCH);
    first.close();

    sendBatch(outbox, union(receivers.keySet(), alsoSent), 2 * PER_BATCH, expected);
    assertThat(held.requests()).as("a paused stream is held").isZero();
    deliverer(cluster, groupId, bytes, schemas);
    vanishing.restart();
    registry.put(withStatus(registry.get(heldId).orElseThrow(), StreamStatus.ENABLED));
    receivers.put(heldId, held);

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                receivers.forEach(
                    (id, receiver) -> {
                      List<String> want = new ArrayList<>(expected.get(id));
                      if (receiver == rejecting) {
                        want.removeAll(rejectOnce);
                      }
                      assertThat(receiver.deduplicated()).as(id).containsExactlyElementsOf(want);
                    }));
    assertThat(rejecting.acceptedJtis()).doesNotContainAnyElementsOf(rejectOnce);
    assertThat(healthy.requestHeaders())
        .allMatch(
            h ->
                h.equals(
                    "application/secevent+jwt|application/json|Bearer secret-" + "healthy-" + run));

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(registry.get(deadId).orElseThrow().status())
                  .isEqualTo(StreamStatus.DISABLED);
              assertThat(registry.get(deadId).orElseThrow().statusReason())
                  .contains("undelivered for longer than");
            });
    assertThat(deadLetterJtis(cluster)).containsExactlyElementsOf(rejectOnce);
    // Nothing holds the group back once every push stream is served: poll streams' SETs included.
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
      TopicPartition partition = new TopicPartition(topics.events(), 0);
      long end =
          readAll(cluster, topics.events())
                  .get(readAll(cluster, topics.events()).size() - 1)
                  .offset()
              + 1;
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(
                          admin
                              .listConsumerGroupOffsets(groupId)
                              .partitionsToOffsetAndMetadata()
                              .get()
                              .get(partition)
                              .offset())
                      .isEqualTo(end));
    }
    assertThat(alertsFor(cluster, schemas, deadId))
        .singleElement()
        .satisfies(
            alert -> {
              assertThat(alert.getRule()).isEqualTo(AlertRule.SSF_STREAM_DISABLED);
              assertThat(alert.getClientId()).isEqualTo("receiver-" + deadId);
            });
  }

  private void sendBatch(
      KafkaEventOutbox outbox,
      Set<String> streamIds,
      int from,
      Map<String, List<String>> expected) {
    for (int i = from; i < from + PER_BATCH; i++) {
      for (String id : streamIds) {
        SignalStream stream = registry.get(id).orElseThrow();
        String jti = UUID.randomUUID().toString();
        outbox.send(
            stream,
            new SecurityEvent(
                jti,
                EventType.SESSION_REVOKED,
                new SubjectId.IssSub(ISSUER, "user-" + i),
                Instant.now(),
                Map.of("initiating_entity", "admin"),
                null));
        expected.computeIfAbsent(id, key -> new ArrayList<>()).add(jti);
      }
    }
  }

  private PushDeliverer deliverer(
      TestCluster cluster,
      String groupId,
      KafkaProducer<byte[], byte[]> bytes,
      SchemaRegistryClient schemas) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("bootstrap.servers", cluster.bootstrapServers());
    settings.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    AvroSerde<SecurityAlert> alerts =
        AvroSerdes.specific(SecurityAlert.class, schemas, serdeConfig(cluster), false);
    return closing(
        new PushDeliverer(
                settings,
                topics,
                registry,
                new PushPolicy(
                    Duration.ofMillis(400),
                    Duration.ofMillis(50),
                    Duration.ofMillis(300),
                    Duration.ofMinutes(5)),
                uri -> "localhost".equals(uri.getHost()),
                bytes,
                alerts.serializer(),
                Clock.systemUTC(),
                new SimpleMeterRegistry(),
                2,
                4)
            .start());
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.LinkedHashSet<>(a);
    all.addAll(b);
    return all;
  }

  private static SignalStream withStatus(SignalStream stream, StreamStatus status) {
    return new SignalStream(
        stream.streamId(),
        stream.receiver(),
        stream.audience(),
        stream.method(),
        stream.endpoint(),
        stream.authorizationHeader(),
        stream.eventsRequested(),
        status,
        null,
        stream.description(),
        stream.subjects(),
        stream.createdAt(),
        Instant.now());
  }

  private static SignalStream withMethod(SignalStream stream) {
    return new SignalStream(
        stream.streamId(),
        stream.receiver(),
        stream.audience(),
        DeliveryMethod.POLL,
        stream.endpoint(),
        null,
        stream.eventsRequested(),
        stream.status(),
        null,
        stream.description(),
        stream.subjects(),
        stream.createdAt(),
        stream.updatedAt());
  }

  private List<String> deadLetterJtis(TestCluster cluster) {
    List<String> jtis = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : readAll(cluster, topics.deadLetters())) {
      jtis.add(TestReceiver.jti(new String(record.value(), StandardCharsets.UTF_8)));
      assertThat(
              new String(
                  record.headers().lastHeader(DeadLetters.EXCEPTION).value(),
                  StandardCharsets.UTF_8))
          .isEqualTo("rejected:invalid_request");
    }
    return jtis;
  }

  private List<SecurityAlert> alertsFor(
      TestCluster cluster, SchemaRegistryClient schemas, String streamId) {
    AvroSerde<SecurityAlert> serde =
        AvroSerdes.specific(SecurityAlert.class, schemas, serdeConfig(cluster), false);
    List<SecurityAlert> found = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : readAll(cluster, topics.alerts())) {
      SecurityAlert alert = serde.deserializer().deserialize(topics.alerts(), record.value());
      if (streamId.equals(alert.getEvidence().getObserved().get("stream_id"))) {
        found.add(alert);
      }
    }
    return found;
  }

  private SignalStream stream(String id, TestReceiver receiver, StreamStatus status) {
    return stream(id, receiver.endpoint().toString(), status);
  }

  private static SignalStream stream(String id, String endpoint, StreamStatus status) {
    Instant now = Instant.now();
    return new SignalStream(
        id,
        "receiver-" + id,
        "aud-" + id,
        DeliveryMethod.PUSH,
        java.net.URI.create(endpoint),
        "Bearer secret-" + id,
        Set.of(EventType.SESSION_REVOKED),
        status,
        null,
        "",
        Set.of(),
        now,
        now);
  }

  private TestReceiver receiver(
      java.util.function.BiFunction<Integer, String, TestReceiver.Answer> behaviour) {
    return closing(new TestReceiver(behaviour));
  }

  private <T extends AutoCloseable> T closing(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  private void createTopics(TestCluster cluster) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topics.events(), 1, (short) 1),
                  new NewTopic(topics.delivery(), 1, (short) 1)
                      .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact")),
                  new NewTopic(topics.deadLetters(), 1, (short) 1)))
          .all()
          .get();
    }
  }

  private static Map<String, Object> producerSettings(TestCluster cluster) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("bootstrap.servers", cluster.bootstrapServers());
    settings.put(ProducerConfig.ACKS_CONFIG, "all");
    settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return settings;
  }

  private static SerdeConfig serdeConfig(TestCluster cluster) {
    return SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
  }

  private static SchemaRegistryClient schemaRegistry(TestCluster cluster) {
    return new HttpSchemaRegistryClient(serdeConfig(cluster).registrySettings());
  }
}
