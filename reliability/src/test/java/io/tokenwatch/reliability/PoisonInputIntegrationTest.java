package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.fixtures.TestEvents;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison on every topic the pipeline reads: random bytes, a wrong magic byte, an unknown schema id,
 * truncated Avro, and valid Avro with impossible values (a negative lifetime, missing ids, a
 * negative use count, an empty selector). The revocation stream dead-letters each with its source
 * and reason and goes on, losing none of the good records sent between the bad ones; a validator's
 * revocation feed survives an unreadable record and fails safe by revoking its key, and so does the
 * revocation stream's introspection.
 */
@Tag("integration")
class PoisonInputIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String KIND_HEADER = "test.poison.kind";
  private static final String TOPIC_HEADER = "__streams.errors.topic";
  private static final String MESSAGE_HEADER = "__streams.errors.message";

  @TempDir Path dataDir;

  private final Random random = new Random(8);
  private final List<Poison> poisons = new ArrayList<>();
  private final List<String> goodTokens = new ArrayList<>();
  private final List<String> goodRevocations = new ArrayList<>();

  /** One bad record sent, and what it was. */
  private record Poison(String topic, String kind, String key) {}

  @Test
  void shouldDeadLetterEveryPoisonRecordWithItsReasonAndLoseNoGoodRecord() throws Exception {
    try (KafkaPlatform platform = KafkaPlatform.start(dataDir);
        RevocationStreamApp stream = RevocationStreamApp.start(settings(platform));
        KafkaProducer<String, byte[]> producer = platform.rawProducer()) {
      int port = stream.httpPort();
      await().atMost(WAIT).until(() -> introspect(port, "no-such-token") != null);
      Instant now = Instant.now();

      byte[] goodIssued = bytes(platform, Topics.TOKEN_ISSUED.name(), issued("template", now));
      byte[] goodUsed = bytes(platform, Topics.TOKEN_USED.name(), used("template", now));
      byte[] goodRequest =
          bytes(platform, Topics.REVOCATION_REQUESTS.name(), requested("template", now));
      Map<String, byte[]> templates = new LinkedHashMap<>();
      templates.put(Topics.TOKEN_ISSUED.name(), goodIssued);
      templates.put(Topics.TOKEN_USED.name(), goodUsed);
      templates.put(Topics.REVOCATION_REQUESTS.name(), goodRequest);

      for (Map.Entry<String, byte[]> template : templates.entrySet()) {
        String topic = template.getKey();
        byte[] valid = template.getValue();
        sendPoison(producer, topic, "random-bytes", randomBytes(64));
        sendGood(platform, producer, now);
        sendPoison(producer, topic, "wrong-magic-byte", withByte(valid, 0, (byte) 1));
        sendGood(platform, producer, now);
        sendPoison(producer, topic, "unknown-schema-id", withSchemaId(valid, 987_654));
        sendGood(platform, producer, now);
        sendPoison(producer, topic, "truncated-avro", Arrays.copyOf(valid, valid.length / 2));
        sendGood(platform, producer, now);
        sendPoison(producer, topic, "empty-value", new byte[0]);
        sendGood(platform, producer, now);
      }
      String ttlKey = "poison-negative-ttl-" + UUID.randomUUID();
      sendPoison(
          producer,
          Topics.TOKEN_ISSUED.name(),
          "negative-ttl",
          ttlKey,
          bytes(
              platform,
              Topics.TOKEN_ISSUED.name(),
              TestEvents.issued(ttlKey, now).setExpiresAt(now.minusSeconds(60)).build()));
      sendGood(platform, producer, now);
      sendPoison(
          producer,
          Topics.TOKEN_ISSUED.name(),
          "missing-token-id",
          "",
          bytes(platform, Topics.TOKEN_ISSUED.name(), TestEvents.issued("", now).build()));
      sendGood(platform, producer, now);
      String usedKey = goodTokens.get(0);
      sendPoison(
          producer,
          Topics.TOKEN_USED.name(),
          "negative-use-count",
          usedKey,
          bytes(
              platform,
              Topics.TOKEN_USED.name(),
              TestEvents.used(usedKey, now, now.plus(TestEvents.TTL)).setUseCount(-5).build()));
      sendPoison(
          producer,
          Topics.TOKEN_USED.name(),
          "missing-validator-id",
          usedKey,
          bytes(
              platform,
              Topics.TOKEN_USED.name(),
              TestEvents.used(usedKey, now, now.plus(TestEvents.TTL)).setValidatorId("").build()));
      sendGood(platform, producer, now);
      sendPoison(
          producer,
          Topics.REVOCATION_REQUESTS.name(),
          "empty-selector",
          "token:",
          bytes(
              platform,
              Topics.REVOCATION_REQUESTS.name(),
              RevocationRequested.newBuilder(requested("x", now))
                  .setSelector(
                      RevocationSelector.newBuilder()
                          .setKind(SelectorKind.TOKEN)
                          .setValue("")
                          .setIssuedBefore(null)
                          .build())
                  .build()));
      sendPoison(
          producer,
          Topics.REVOCATION_REQUESTS.name(),
          "missing-requested-by",
          "token:nobody",
          bytes(
              platform,
              Topics.REVOCATION_REQUESTS.name(),
              RevocationRequested.newBuilder(requested("nobody", now)).setRequestedBy("").build()));
      sendGood(platform, producer, now);
      producer.flush();

      // Every bad record is a dead letter naming its source topic and what is wrong with it.
      await().atMost(WAIT).until(() -> deadLetters(platform).size() >= poisons.size());
      List<ConsumerRecord<String, byte[]>> deadLetters = deadLetters(platform);
      assertThat(deadLetters).hasSize(poisons.size());
      for (Poison poison : poisons) {
        List<ConsumerRecord<String, byte[]>> matching =
            deadLetters.stream()
                .filter(r -> poison.kind().equals(header(r, KIND_HEADER)))
                .filter(r -> poison.topic().equals(header(r, TOPIC_HEADER)))
                .toList();
        assertThat(matching).as("dead letter of %s", poison).hasSize(1);
        assertThat(header(matching.get(0), MESSAGE_HEADER)).as("reason of %s", poison).isNotBlank();
        assertThat(matching.get(0).key()).isEqualTo(poison.key());
      }

      // Every good record sent between them was processed: tokens known, each counted use
      // counted once, every requested revocation on the feed.
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                for (String jti : goodTokens) {
                  JsonNode answer = introspect(port, jti);
                  assertThat(answer).as(jti).isNotNull();
                  assertThat(answer.path("jti").asText()).as(answer.toString()).isEqualTo(jti);
                  assertThat(answer.path("use_count").asLong()).as(answer.toString()).isEqualTo(1);
                }
              });
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(feedKeys(platform))
                      .containsAll(goodRevocations.stream().map(jti -> "token:" + jti).toList()));
      assertThat(stream.isRunning()).isTrue();

      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("poisonRecordsSent", poisons.size());
      figures.put("poisonKinds", poisons.stream().map(Poison::kind).distinct().count());
      figures.put("deadLetters", deadLetters.size());
      figures.put("goodTokensSent", goodTokens.size());
      figures.put("goodTokensProcessed", goodTokens.size());
      figures.put("goodRevocationsSent", goodRevocations.size());
      figures.put("goodRevocationsOnFeed", goodRevocations.size());
      Figures.record("poison input (revocation stream)", figures);
    }
  }

  @Test
  void shouldKeepAValidatorFeedRunningPastAnUnreadableRevocationAndRevokeItsKey() throws Exception {
    try (KafkaPlatform platform = KafkaPlatform.start(dataDir);
        RevocationStreamApp stream = RevocationStreamApp.start(settings(platform));
        KafkaProducer<String, byte[]> producer = platform.rawProducer()) {
      await().atMost(WAIT).until(() -> introspect(stream.httpPort(), "no-such-token") != null);
      SerdeConfig serdes =
          SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl()));
      RevocationIndex index = new RevocationIndex();
      try (RevocationFeed feed =
          new RevocationFeed(
              Map.of("bootstrap.servers", platform.bootstrapServers()),
              AvroSerdes.specific(
                      Revocation.class,
                      new HttpSchemaRegistryClient(serdes.registrySettings()),
                      serdes,
                      false)
                  .deserializer(),
              Topics.REVOCATIONS.name(),
              Topics.REVOCATION_FAST_PATH.name(),
              index,
              Clock.systemUTC(),
              Duration.ofMillis(200))) {
        assertThat(feed.awaitReady(WAIT)).isTrue();
        String poisoned = "poisoned-" + UUID.randomUUID();
        producer
            .send(
                new ProducerRecord<>(
                    Topics.TOKEN_ISSUED.name(),
                    poisoned,
                    bytes(platform, Topics.TOKEN_ISSUED.name(), issued(poisoned, Instant.now()))))
            .get();
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  JsonNode answer = introspect(stream.httpPort(), poisoned);
                  return answer != null && answer.path("active").asBoolean();
                });
        producer
            .send(
                new ProducerRecord<>(
                    Topics.REVOCATIONS.name(), "token:" + poisoned, randomBytes(48)))
            .get();
        String after = "after-poison-" + UUID.randomUUID();
        producer
            .send(
                new ProducerRecord<>(
                    Topics.REVOCATION_REQUESTS.name(),
                    "token:" + after,
                    bytes(
                        platform,
                        Topics.REVOCATION_REQUESTS.name(),
                        requested(after, Instant.now()))))
            .get();

        await().atMost(WAIT).until(() -> index.containsTokenId(after));
        assertThat(index.containsTokenId(poisoned))
            .as("an unreadable revocation revokes its key: deny rather than allow")
            .isTrue();
        assertThat(feed.isReady()).isTrue();
        // Introspection, asked by validators without a feed of their own, fails safe alike.
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> {
                  JsonNode answer = introspect(stream.httpPort(), poisoned);
                  assertThat(answer).isNotNull();
                  assertThat(answer.path("active").asBoolean())
                      .as("introspection of a token under an unreadable revocation: %s", answer)
                      .isFalse();
                });
        Figures.record(
            "poison input (validator feed)",
            Map.of(
                "unreadableRevocations", 1, "revocationsAppliedAfter", 1, "feedStillReady", true));
      }
    }
  }

  private void sendPoison(
      KafkaProducer<String, byte[]> producer, String topic, String kind, byte[] value)
      throws Exception {
    sendPoison(producer, topic, kind, "poison-" + kind + "-" + UUID.randomUUID(), value);
  }

  private void sendPoison(
      KafkaProducer<String, byte[]> producer, String topic, String kind, String key, byte[] value)
      throws Exception {
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
    record.headers().add(KIND_HEADER, kind.getBytes(StandardCharsets.UTF_8));
    producer.send(record).get();
    poisons.add(new Poison(topic, kind, key));
  }

  /** A good token issued and used once, and every other time a good revocation request. */
  private void sendGood(KafkaPlatform platform, KafkaProducer<String, byte[]> producer, Instant now)
      throws Exception {
    String jti = "good-" + UUID.randomUUID();
    producer
        .send(
            new ProducerRecord<>(
                Topics.TOKEN_ISSUED.name(),
                jti,
                bytes(platform, Topics.TOKEN_ISSUED.name(), issued(jti, now))))
        .get();
    producer
        .send(
            new ProducerRecord<>(
                Topics.TOKEN_USED.name(),
                jti,
                bytes(platform, Topics.TOKEN_USED.name(), used(jti, now))))
        .get();
    goodTokens.add(jti);
    if (goodTokens.size() % 2 == 0) {
      String revoked = "revoked-" + UUID.randomUUID();
      producer
          .send(
              new ProducerRecord<>(
                  Topics.REVOCATION_REQUESTS.name(),
                  "token:" + revoked,
                  bytes(platform, Topics.REVOCATION_REQUESTS.name(), requested(revoked, now))))
          .get();
      goodRevocations.add(revoked);
    }
  }

  private static TokenIssued issued(String jti, Instant now) {
    return TestEvents.issued(jti, now).build();
  }

  private static TokenUsed used(String jti, Instant now) {
    return TestEvents.used(jti, now, now.plus(TestEvents.TTL)).build();
  }

  private static RevocationRequested requested(String jti, Instant now) {
    return TestEvents.requested(SelectorKind.TOKEN, jti, null, now)
        .setRequestedBy("security-console")
        .build();
  }

  @SuppressWarnings("unchecked")
  private static <V extends SpecificRecord> byte[] bytes(
      KafkaPlatform platform, String topic, V event) {
    return platform.serializer((Class<V>) event.getClass()).serialize(topic, event);
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private static byte[] withByte(byte[] original, int index, byte value) {
    byte[] copy = original.clone();
    copy[index] = value;
    return copy;
  }

  private static byte[] withSchemaId(byte[] original, int schemaId) {
    byte[] copy = original.clone();
    ByteBuffer.wrap(copy, 1, 4).putInt(schemaId);
    return copy;
  }

  private static List<ConsumerRecord<String, byte[]>> deadLetters(KafkaPlatform platform) {
    return TopicReader.readRaw(platform.bootstrapServers(), Topics.DEAD_LETTERS.name());
  }

  private static List<String> feedKeys(KafkaPlatform platform) {
    return TopicReader.readAll(
            platform.bootstrapServers(),
            platform.schemaRegistryUrl(),
            Topics.REVOCATIONS.name(),
            Revocation.class)
        .stream()
        .map(ConsumerRecord::key)
        .toList();
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private Map<String, Object> settings(KafkaPlatform platform) throws Exception {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl());
    settings.put(RevocationStreamConfig.STATE_DIR, dataDir.resolve("state").toString());
    settings.put(RevocationStreamConfig.HTTP_PORT, 0);
    settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
    return settings;
  }

  private static @Nullable JsonNode introspect(int port, String token) {
    return Introspection.ask(port, token);
  }
}
