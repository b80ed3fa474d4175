package io.tokenwatch.signals.app;

import static io.tokenwatch.signals.receiver.UpstreamSets.AUDIENCE;
import static io.tokenwatch.signals.receiver.UpstreamSets.ISSUER;
import static io.tokenwatch.signals.receiver.UpstreamSets.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.http.ReceiverPushEndpoint;
import io.tokenwatch.signals.kafka.ReceiverKafkaSink;
import io.tokenwatch.signals.receiver.UpstreamSets;
import io.tokenwatch.signals.receiver.UpstreamTransmitter;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The receiver inside the running service, against a real broker and an upstream transmitter on
 * real HTTP: pushed and polled SETs become revocation requests exactly for the good ones, bad ones
 * become dead letters with their reason, and a lost acknowledgement has no second effect.
 */
@KafkaIntegrationTest
class ReceiverIntegrationTest {

  private static final String PUSH_SECRET = "push-secret-of-the-upstream";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final UpstreamSets sets = new UpstreamSets();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private SharedSignalsApp start(TestCluster cluster, UpstreamTransmitter upstream, boolean poll)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", cluster.bootstrapServers());
    config.put("schema.registry.url", cluster.schemaRegistryUrl());
    config.put("signals.http.port", "0");
    config.put("signals.issuer", "http://tokenwatch.test");
    // The transmitter beside the receiver signs with the issuer's keys: an issuer's key directory.
    Path keys = Files.createTempDirectory("ssf-keys");
    SigningKeys.open(keys, SigningAlgorithm.EDDSA, Clock.systemUTC());
    config.put("signals.keys.dir", keys.toString());
    config.put("signals.receiver.issuer", ISSUER);
    config.put("signals.receiver.audience", AUDIENCE);
    config.put("signals.receiver.jwks-url", upstream.url("/jwks"));
    config.put("signals.receiver.subject-formats", "iss_sub,email");
    config.put(
        "signals.receiver.push.secret-sha256",
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(PUSH_SECRET.getBytes(StandardCharsets.UTF_8))));
    if (poll) {
      config.put("signals.receiver.poll-url", upstream.url("/poll"));
      config.put("signals.receiver.poll.authorization", "Bearer " + UpstreamTransmitter.POLL_TOKEN);
      config.put("signals.receiver.poll.max-events", "2");
      config.put("signals.receiver.poll.interval", "100ms");
      config.put("signals.receiver.poll.timeout", "5s");
    }
    SharedSignalsApp app = SharedSignalsApp.start(config);
    closing.add(0, app);
    return app;
  }

  private UpstreamTransmitter upstream() throws Exception {
    UpstreamTransmitter upstream = new UpstreamTransmitter(sets);
    closing.add(upstream);
    return upstream;
  }

  private static HttpResponse<String> push(
      SharedSignalsApp app, String set, String secret, String contentType) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + app.httpPort() + ReceiverPushEndpoint.PATH))
            .header("Content-Type", contentType)
            .header("Authorization", "Bearer " + secret)
            .POST(HttpRequest.BodyPublishers.ofString(set))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldTurnGoodPushedSetsIntoRevocationRequestsAndDeadLetterBadOnes(TestCluster cluster)
      throws Exception {
    UpstreamTransmitter upstream = upstream();
    SharedSignalsApp app = start(cluster, upstream, false);
    Instant now = Instant.now();
    Map<String, Object> good = claims("alice-" + run, now.minusSeconds(5));
    String goodSet = sets.sign(good);
    Map<String, Object> forged = claims("mallory-" + run, now);
    Map<String, Object> wrongAudience = claims("bob-" + run, now);
    wrongAudience.put("aud", "https://elsewhere.example.com");

    assertThat(push(app, goodSet, PUSH_SECRET, "application/secevent+jwt").statusCode())
        .isEqualTo(202);
    assertThat(push(app, goodSet, PUSH_SECRET, "application/secevent+jwt").statusCode())
        .as("the same SET again, as after a lost 202")
        .isEqualTo(202);
    HttpResponse<String> badSignature =
        push(
            app,
            UpstreamSets.signWithForeignKey(forged, "ec-1"),
            PUSH_SECRET,
            "application/secevent+jwt");
    assertThat(badSignature.statusCode()).isEqualTo(400);
    assertThat(badSignature.body()).contains("\"err\":\"invalid_key\"", "\"description\"");
    HttpResponse<String> badAudience =
        push(app, sets.sign(wrongAudience), PUSH_SECRET, "application/secevent+jwt");
    assertThat(badAudience.statusCode()).isEqualTo(400);
    assertThat(badAudience.body()).contains("\"err\":\"invalid_audience\"");
    assertThat(push(app, goodSet, "wrong-secret", "application/secevent+jwt").statusCode())
        .isEqualTo(401);
    assertThat(push(app, goodSet, PUSH_SECRET, "application/json").statusCode()).isEqualTo(400);

    List<RevocationRequested> requests = awaitRequests(cluster, Set.of("alice-" + run), 1);
    RevocationRequested request = requests.get(0);
    assertThat(request.getSelector().getKind()).isEqualTo(SelectorKind.SUBJECT);
    assertThat(request.getSelector().getIssuedBefore())
        .isEqualTo(Instant.ofEpochSecond(now.minusSeconds(5).getEpochSecond() + 1));
    assertThat(request.getReason()).isEqualTo(RevocationReason.ADMIN);
    assertThat(request.getRequestedBy()).isEqualTo("ssf:" + ISSUER);
    assertThat(request.getDetail())
        .contains(ISSUER, UpstreamSets.SESSION_REVOKED, (String) good.get("jti"));

    Map<String, String> deadLetters =
        awaitDeadLetters(
            cluster, Set.of((String) forged.get("jti"), (String) wrongAudience.get("jti")));
    assertThat(deadLetters)
        .containsEntry((String) forged.get("jti"), "bad_signature")
        .containsEntry((String) wrongAudience.get("jti"), "wrong_audience");
  }

  @Test
  void shouldPollActOnceOnGoodSetsReportBadOnesAndSurviveALostAcknowledgement(TestCluster cluster)
      throws Exception {
    UpstreamTransmitter upstream = upstream();
    Instant now = Instant.now();
    Map<String, Object> credential = claims("bob-" + run, now);
    credential.put(
        "events",
        Map.of(
            UpstreamSets.CREDENTIAL_CHANGE,
            Map.of(
                "event_timestamp",
                now.minusSeconds(60).getEpochSecond(),
                "change_type",
                "update")));
    Map<String, Object> disabled = claims("ignored", now);
    disabled.put("sub_id", Map.of("format", "email", "email", "carol-" + run + "@Example.com"));
    disabled.put("events", Map.of(UpstreamSets.ACCOUNT_DISABLED, Map.of("reason", "hijacking")));
    Map<String, Object> wrongIssuer = claims("dave-" + run, now);
    wrongIssuer.put("iss", "https://impostor.example.com");
    Map<String, Object> verification = claims("x", now);
    verification.remove("sub_id");
    verification.put("events", Map.of(UpstreamSets.VERIFICATION, Map.of("state", "s-" + run)));
    for (Map<String, Object> claims : List.of(credential, disabled, wrongIssuer, verification)) {
      upstream.enqueue((String) claims.get("jti"), sets.sign(claims));
    }
    upstream.loseNextAcks();

    start(cluster, upstream, true);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(upstream.pendingCount()).isZero());
    assertThat(upstream.acknowledged())
        .containsExactlyInAnyOrder(
            (String) credential.get("jti"),
            (String) disabled.get("jti"),
            (String) verification.get("jti"));
    assertThat(upstream.errors.get((String) wrongIssuer.get("jti")).path("err").asText())
        .isEqualTo("invalid_issuer");
    assertThat(upstream.deliveries.get((String) credential.get("jti")).get())
        .as("resent after its acknowledgement was lost")
        .isGreaterThan(1);

    String carol = "carol-" + run + "@example.com";
    List<RevocationRequested> requests = awaitRequests(cluster, Set.of("bob-" + run, carol), 2);
    Map<String, Set<String>> eventIdsBySubject =
        requests.stream()
            .collect(
                Collectors.groupingBy(
                    r -> r.getSelector().getValue(),
                    Collectors.mapping(RevocationRequested::getEventId, Collectors.toSet())));
    assertThat(eventIdsBySubject.get("bob-" + run)).hasSize(1);
    assertThat(eventIdsBySubject.get(carol)).hasSize(1);
    assertThat(requests)
        .allSatisfy(r -> assertThat(r.getReason()).isEqualTo(RevocationReason.COMPROMISED));
    RevocationRequested bob =
        requests.stream()
            .filter(r -> r.getSelector().getValue().equals("bob-" + run))
            .findFirst()
            .orElseThrow();
    assertThat(bob.getSelector().getIssuedBefore())
        .isEqualTo(Instant.ofEpochSecond(now.minusSeconds(60).getEpochSecond() + 1));

    assertThat(awaitDeadLetters(cluster, Set.of((String) wrongIssuer.get("jti"))))
        .containsEntry((String) wrongIssuer.get("jti"), "wrong_issuer");
  }

  /** The requests for {@code subjects}, once at least {@code count} arrived and a moment passed. */
  private static List<RevocationRequested> awaitRequests(
      TestCluster cluster, Set<String> subjects, int count) {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    Deserializer<RevocationRequested> values =
        AvroSerdes.specific(
                RevocationRequested.class,
                new HttpSchemaRegistryClient(serde.registrySettings()),
                serde,
                false)
            .deserializer();
    List<RevocationRequested> found = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        consumer(cluster, new StringDeserializer(), Topics.REVOCATION_REQUESTS.name())) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                for (ConsumerRecord<String, byte[]> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  RevocationRequested request = values.deserialize(record.topic(), record.value());
                  if (subjects.contains(request.getSelector().getValue())) {
                    assertThat(record.key())
                        .isEqualTo("subject:" + request.getSelector().getValue());
                    found.add(request);
                  }
                }
                assertThat(found).hasSizeGreaterThanOrEqualTo(count);
              });
      // Anything more that was written for these subjects would be there by now.
      for (int i = 0; i < 3; i++) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          RevocationRequested request = values.deserialize(record.topic(), record.value());
          if (subjects.contains(request.getSelector().getValue())) {
            found.add(request);
          }
        }
      }
    }
    assertThat(found.stream().map(r -> r.getSelector().getValue()).collect(Collectors.toSet()))
        .isEqualTo(subjects);
    return found;
  }

  /** The dead letters of {@code jtis}: jti to the refusal reason header. */
  private static Map<String, String> awaitDeadLetters(TestCluster cluster, Set<String> jtis) {
    Map<String, String> found = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        consumer(cluster, new ByteArrayDeserializer(), Topics.DEAD_LETTERS.name())) {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                for (ConsumerRecord<byte[], byte[]> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  String jti = header(record, ReceiverKafkaSink.SSF_JTI);
                  if (jti != null && jtis.contains(jti)) {
                    assertThat(header(record, "__streams.errors.exception")).isNotBlank();
                    assertThat(record.value()).isNotEmpty();
                    found.put(jti, header(record, ReceiverKafkaSink.SSF_REASON));
                  }
                }
                assertThat(found.keySet()).isEqualTo(jtis);
              });
    }
    return found;
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static <K> KafkaConsumer<K, byte[]> consumer(
      TestCluster cluster, Deserializer<K> keys, String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "it-receiver-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaConsumer<K, byte[]> consumer =
        new KafkaConsumer<>(config, keys, new ByteArrayDeserializer());
    consumer.subscribe(List.of(topic));
    return consumer;
  }
}
