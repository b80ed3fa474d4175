package io.tokenwatch.signals.kafka;

import static io.tokenwatch.signals.kafka.TopicContents.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
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
import io.tokenwatch.signals.RevocationSignals;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.SubjectId;
import io.tokenwatch.signals.set.SetSigner;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out on the real broker: revocations from the feed and the fast path become signed SETs on
 * the events topic for the streams they concern, one jti per event however many copies arrive;
 * poison input is dead-lettered and the fan-out goes on.
 */
@KafkaIntegrationTest
class RevocationFanoutIntegrationTest {

  private static final String ISSUER = "https://issuer.example";

  @TempDir Path keysDir;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String eventsTopic = "it-fanout-events-" + run;
  private final String deadLetterTopic = "it-fanout-dead-" + run;

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void shouldTurnRevocationsIntoSignedSetsForTheStreamsTheyConcern(TestCluster cluster)
      throws Exception {
    SerdeConfig serdeConfig =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    SchemaRegistryClient schemas = new HttpSchemaRegistryClient(serdeConfig.registrySettings());
    TopicEnsurer.ensureCatalogue(Map.of("bootstrap.servers", cluster.bootstrapServers()), schemas);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(eventsTopic, 3, (short) 1),
                  new NewTopic(deadLetterTopic, 1, (short) 1)))
          .all()
          .get();
    }
    String alice = "alice-" + run;
    String bob = "bob-" + run;
    InMemoryStreamRegistry registry = new InMemoryStreamRegistry();
    registry.put(stream("alice-watch-" + run, Set.of(new SubjectId.IssSub(ISSUER, alice))));
    registry.put(stream("bob-watch-" + run, Set.of(new SubjectId.IssSub(ISSUER, bob))));

    SigningKeys keys = SigningKeys.open(keysDir, SigningAlgorithm.EDDSA, Clock.systemUTC());
    Map<String, Object> producerSettings = new HashMap<>();
    producerSettings.put("bootstrap.servers", cluster.bootstrapServers());
    producerSettings.put(ProducerConfig.ACKS_CONFIG, "all");
    producerSettings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    KafkaProducer<String, byte[]> sets =
        closing(
            new KafkaProducer<>(
                producerSettings, new StringSerializer(), new ByteArraySerializer()));
    KafkaProducer<byte[], byte[]> bytes =
        closing(
            new KafkaProducer<>(
                producerSettings, new ByteArraySerializer(), new ByteArraySerializer()));
    KafkaEventOutbox outbox =
        new KafkaEventOutbox(
            sets,
            new SetSigner(
                SigningKeys.load(keysDir, Clock.systemUTC()),
                ISSUER,
                Clock.systemUTC(),
                Duration.ofMinutes(1)),
            eventsTopic,
            Duration.ofSeconds(30),
            new SimpleMeterRegistry());

    AvroSerde<Revocation> serde =
        AvroSerdes.specific(Revocation.class, schemas, serdeConfig, false);
    Revocation compromised = revocation(alice, RevocationReason.COMPROMISED);
    byte[] value = serde.serializer().serialize(Topics.REVOCATIONS.name(), compromised);
    String key = "subject:" + alice;
    bytes
        .send(
            new ProducerRecord<>(
                Topics.REVOCATION_FAST_PATH.name(), key.getBytes(StandardCharsets.UTF_8), value))
        .get();
    bytes
        .send(
            new ProducerRecord<>(
                Topics.REVOCATIONS.name(),
                key.getBytes(StandardCharsets.UTF_8),
                "not avro".getBytes(StandardCharsets.UTF_8)))
        .get();
    bytes
        .send(
            new ProducerRecord<>(
                Topics.REVOCATIONS.name(), key.getBytes(StandardCharsets.UTF_8), null))
        .get();
    bytes
        .send(
            new ProducerRecord<>(
                Topics.REVOCATIONS.name(), key.getBytes(StandardCharsets.UTF_8), value))
        .get();

    Map<String, Object> consumerSettings = new HashMap<>();
    consumerSettings.put("bootstrap.servers", cluster.bootstrapServers());
    consumerSettings.put(ConsumerConfig.GROUP_ID_CONFIG, "it-fanout-" + run);
    consumerSettings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerSettings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerSettings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    closing(
        new RevocationFanout(
                new KafkaConsumer<>(
                    consumerSettings, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                serde.deserializer(),
                List.of(Topics.REVOCATIONS.name(), Topics.REVOCATION_FAST_PATH.name()),
                new RevocationSignals(ISSUER, false),
                registry,
                outbox,
                bytes,
                deadLetterTopic,
                new SimpleMeterRegistry())
            .start());

    JwtConsumer verifier =
        new JwtConsumerBuilder()
            .setExpectedType(true, "secevent+jwt")
            .setExpectedIssuer(ISSUER)
            .setExpectedAudience("aud-alice-watch-" + run)
            .setVerificationKeyResolver(
                new JwksVerificationKeyResolver(
                    new JsonWebKeySet(keys.jwksJson()).getJsonWebKeys()))
            .build();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<ConsumerRecord<byte[], byte[]>> records = readAll(cluster, eventsTopic);
              assertThat(records)
                  .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                  .containsOnly("alice-watch-" + run);
              List<JwtClaims> claims = new ArrayList<>();
              for (ConsumerRecord<byte[], byte[]> record : records) {
                claims.add(
                    verifier.processToClaims(new String(record.value(), StandardCharsets.UTF_8)));
              }
              List<Object> types = new ArrayList<>();
              for (JwtClaims claim : claims) {
                types.addAll(((Map<?, ?>) claim.getClaimsMap().get("events")).keySet());
              }
              assertThat(types)
                  .contains(EventType.SESSION_REVOKED.uri(), EventType.CREDENTIAL_CHANGE.uri());
              // Fast path and feed copies carry the same jti: at most two distinct SETs.
              assertThat(claims.stream().map(c -> c.getClaimValueAsString("jti")).distinct())
                  .hasSize(2);
              assertThat(readAll(cluster, deadLetterTopic))
                  .singleElement()
                  .satisfies(
                      dead -> {
                        assertThat(new String(dead.value(), StandardCharsets.UTF_8))
                            .isEqualTo("not avro");
                        assertThat(
                                new String(
                                    dead.headers().lastHeader(DeadLetters.TOPIC).value(),
                                    StandardCharsets.UTF_8))
                            .isEqualTo(Topics.REVOCATIONS.name());
                      });
            });
  }

  private static Revocation revocation(String subject, RevocationReason reason) {
    Instant now = Instant.now();
    return Revocation.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(now)
        .setSelector(
            RevocationSelector.newBuilder()
                .setKind(SelectorKind.SUBJECT)
                .setValue(subject)
                .setIssuedBefore(now)
                .build())
        .setReason(reason)
        .setRequestedBy("admin:root")
        .setForgetAfter(now.plus(Duration.ofHours(1)))
        .setDetail("laptop stolen")
        .build();
  }

  private static SignalStream stream(String id, Set<SubjectId> subjects) {
    Instant now = Instant.now();
    return new SignalStream(
        id,
        "receiver-" + id,
        "aud-" + id,
        DeliveryMethod.PUSH,
        URI.create("https://receiver.example/events"),
        null,
        Set.of(EventType.SESSION_REVOKED, EventType.CREDENTIAL_CHANGE),
        StreamStatus.ENABLED,
        null,
        "",
        subjects,
        now,
        now);
  }

  private <T extends AutoCloseable> T closing(T closeable) {
    closeables.add(closeable);
    return closeable;
  }
}
