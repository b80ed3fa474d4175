package io.tokenwatch.revocation.app;

import static io.tokenwatch.testing.fixtures.TestEvents.issued;
import static io.tokenwatch.testing.fixtures.TestEvents.requested;
import static io.tokenwatch.testing.fixtures.TestEvents.used;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@KafkaIntegrationTest
class RevocationStreamIntegrationTest {

  private static final String SECRET = "integration-secret";
  private static final Duration TTL = Duration.ofMinutes(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static RevocationStreamApp app;
  private static KafkaProducer<byte[], byte[]> producer;
  private static KafkaConsumer<String, Revocation> feedConsumer;
  private static KafkaConsumer<byte[], byte[]> deadLetterConsumer;
  private static final List<ConsumerRecord<String, Revocation>> feed = new CopyOnWriteArrayList<>();
  private static final List<ConsumerRecord<byte[], byte[]>> deadLetters =
      new CopyOnWriteArrayList<>();
  private static SchemaRegistryClient registry;
  private static SerdeConfig serdeConfig;

  @BeforeAll
  static void start(TestCluster cluster) throws Exception {
    serdeConfig =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    registry = new HttpSchemaRegistryClient(serdeConfig.registrySettings());
    String hash =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(SECRET.getBytes(StandardCharsets.UTF_8)));
    app =
        RevocationStreamApp.start(
            Map.of(
                RevocationStreamConfig.BOOTSTRAP_SERVERS,
                cluster.bootstrapServers(),
                RevocationStreamConfig.SCHEMA_REGISTRY_URL,
                cluster.schemaRegistryUrl(),
                RevocationStreamConfig.APPLICATION_ID,
                "it-revocation-" + UUID.randomUUID(),
                RevocationStreamConfig.STATE_DIR,
                Files.createTempDirectory("revocation-it").toString(),
                RevocationStreamConfig.HTTP_PORT,
                0,
                RevocationStreamConfig.INTROSPECTION_SECRET_SHA256,
                hash));
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer());
    Map<String, Object> consumerConfig =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "it-reader-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    feedConsumer =
        new KafkaConsumer<>(
            consumerConfig,
            new StringDeserializer(),
            AvroSerdes.specific(Revocation.class, registry, serdeConfig, false).deserializer());
    assignAll(feedConsumer, Topics.REVOCATIONS.name());
    deadLetterConsumer =
        new KafkaConsumer<>(
            consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    assignAll(deadLetterConsumer, Topics.DEAD_LETTERS.name());
    await().atMost(Duration.ofSeconds(60)).until(app::isRunning);
  }

  @AfterAll
  static void stop() {
    if (feedConsumer != null) {
      feedConsumer.close();
    }
    if (deadLetterConsumer != null) {
      deadLetterConsumer.close();
    }
    if (producer != null) {
      producer.close();
    }
    if (app != null) {
      app.close();
    }
  }

  @Test
  void shouldEmitOneRevocationWhenUsesPassMaxUses() throws Exception {
    String jti = "it-max-" + UUID.randomUUID();
    Instant now = Instant.now();
    sendIssued(issued(jti, now, TTL).setMaxUses(2).build());
    for (int i = 0; i < 4; i++) {
      send(
          Topics.TOKEN_USED.name(),
          jti,
          serialize(used(jti, now, now.plus(TTL)).setDecision(UseDecision.ALLOWED).build()));
    }

    await().atMost(Duration.ofSeconds(60)).until(() -> feedRecords("token:" + jti).size() == 1);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(20))
        .until(() -> feedRecords("token:" + jti).size() == 1);
    Revocation revocation = feedRecords("token:" + jti).get(0).value();
    assertThat(revocation.getReason()).isEqualTo(RevocationReason.MAX_USES_EXCEEDED);
    assertThat(revocation.getUseCount()).isEqualTo(3L);

    JsonNode answer = introspect(jti, SECRET);
    assertThat(answer.get("active").asBoolean()).isFalse();
    assertThat(answer.get("revocation_reason").asText()).isEqualTo("MAX_USES_EXCEEDED");
    assertThat(answer.get("use_count").asLong()).isEqualTo(4);
  }

  @Test
  void shouldWriteAFeedRecordForARevocationBySubject() throws Exception {
    String subject = "it-subject-" + UUID.randomUUID();
    Instant now = Instant.now();
    send(
        Topics.REVOCATION_REQUESTS.name(),
        "subject:" + subject,
        serialize(requested(SelectorKind.SUBJECT, subject, null, now).build()));

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !feedRecords("subject:" + subject).isEmpty());
    Revocation record = feedRecords("subject:" + subject).get(0).value();
    assertThat(record.getSelector().getIssuedBefore())
        .isEqualTo(now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
  }

  @Test
  void shouldDeadLetterPoisonOnEveryInputAndKeepProcessing() throws Exception {
    String marker = "poison-" + UUID.randomUUID();
    List<String> inputs =
        List.of(
            Topics.TOKEN_ISSUED.name(),
            Topics.TOKEN_USED.name(),
            Topics.REVOCATION_REQUESTS.name());
    for (String topic : inputs) {
      producer
          .send(
              new ProducerRecord<>(
                  topic, marker.getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}))
          .get();
    }
    String jti = "it-after-poison-" + UUID.randomUUID();
    sendIssued(issued(jti, Instant.now(), TTL).build());

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> deadLettersWithKey(marker).size() == inputs.size());
    assertThat(deadLettersWithKey(marker))
        .extracting(r -> header(r, "__streams.errors.topic"))
        .containsExactlyInAnyOrderElementsOf(inputs);
    assertThat(deadLettersWithKey(marker))
        .allSatisfy(r -> assertThat(r.value()).containsExactly(1, 2, 3));

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(introspect(jti, SECRET).get("active").asBoolean()).isTrue());
    JsonNode answer = introspect(jti, SECRET);
    assertThat(answer.get("sub").asText()).isEqualTo("alice");
    assertThat(answer.get("client_id").asText()).isEqualTo("orders-app");
    assertThat(answer.get("jti").asText()).isEqualTo(jti);
  }

  @Test
  void shouldRefuseIntrospectionWithoutTheBearerSecretAndAnswerInactiveForUnknownTokens()
      throws Exception {
    HttpResponse<String> unauthenticated = post("token=whatever", null);
    assertThat(unauthenticated.statusCode()).isEqualTo(401);
    assertThat(unauthenticated.headers().firstValue("WWW-Authenticate"))
        .get()
        .asString()
        .startsWith("Bearer");
    assertThat(post("token=whatever", "wrong").statusCode()).isEqualTo(401);

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(introspect("no-such-token", SECRET).toString())
                    .isEqualTo("{\"active\":false}"));
  }

  // ---- helpers ----

  /** Reads every partition without a group, so the two readers never wait on each other. */
  private static void assignAll(KafkaConsumer<?, ?> consumer, String topic) {
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  private static void sendIssued(TokenIssued event) throws Exception {
    send(Topics.TOKEN_ISSUED.name(), event.getTokenId(), serialize(event));
  }

  private static byte[] serialize(org.apache.avro.specific.SpecificRecord event) {
    @SuppressWarnings("unchecked")
    Class<org.apache.avro.specific.SpecificRecord> type =
        (Class<org.apache.avro.specific.SpecificRecord>) event.getClass();
    String topic =
        Topics.ALL.stream().filter(t -> t.valueType() == type).findFirst().orElseThrow().name();
    return AvroSerdes.specific(type, registry, serdeConfig, false)
        .serializer()
        .serialize(topic, event);
  }

  private static void send(String topic, String key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  private static synchronized List<ConsumerRecord<String, Revocation>> feedRecords(String key) {
    feedConsumer.poll(Duration.ofMillis(200)).forEach(feed::add);
    List<ConsumerRecord<String, Revocation>> matching = new ArrayList<>();
    for (ConsumerRecord<String, Revocation> record : feed) {
      if (record.key().equals(key) && record.value() != null) {
        matching.add(record);
      }
    }
    return matching;
  }

  private static synchronized List<ConsumerRecord<byte[], byte[]>> deadLettersWithKey(String key) {
    deadLetterConsumer.poll(Duration.ofMillis(200)).forEach(deadLetters::add);
    List<ConsumerRecord<byte[], byte[]>> matching = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : deadLetters) {
      if (record.key() != null && key.equals(new String(record.key(), StandardCharsets.UTF_8))) {
        matching.add(record);
      }
    }
    return matching;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static JsonNode introspect(String token, String secret) throws Exception {
    HttpResponse<String> response = post("token=" + token, secret);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> post(String form, String secret) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + "/introspect"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form));
    if (secret != null) {
      request.header("Authorization", "Bearer " + secret);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
