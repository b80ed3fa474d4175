package io.tokenwatch.signals.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.InMemoryStreamRegistry;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.http.PollAuthentication;
import io.tokenwatch.signals.http.ReceiverAuthentication;
import io.tokenwatch.signals.kafka.PollDeadLetters;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.validator.CallAuthenticator;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.TokenValidator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poll delivery on a real broker through real HTTP: SETs produced to {@code tokenwatch.ssf-events},
 * streams in an in-memory registry, receivers authenticated by their signed access tokens.
 */
@KafkaIntegrationTest
class PollDeliveryIntegrationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String RECEIVER = "receiver-a";

  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "urn:tokenwatch:ssf";
  private static final OctetKeyPair KEY = key();

  /** The real token check: EdDSA access tokens of {@link #ISSUER} for {@link #AUDIENCE}. */
  private static final ReceiverAuthentication RECEIVER_TOKENS =
      new ReceiverAuthentication(
          new CallAuthenticator(
              TokenValidator.builder()
                  .issuer(ISSUER)
                  .audience(AUDIENCE)
                  .jwks(JwksSource.fixed(new JWKSet(KEY.toPublicJWK())))
                  .revocations(RevocationView.none())
                  .clock(Clock.systemUTC())
                  .build(),
              "signals.receiver-scopes",
              "receiver authentication is not configured"),
          null);

  private static final PollAuthentication RECEIVERS =
      ctx -> RECEIVER_TOKENS.authenticate(ctx, ReceiverAuthentication.SCOPE_POLL);

  @TempDir Path keys;

  private final InMemoryStreamRegistry streams = new InMemoryStreamRegistry();
  private final List<PollService> apps = new ArrayList<>();
  private KafkaProducer<String, byte[]> producer;

  @AfterEach
  void stop() {
    apps.forEach(PollService::close);
    if (producer != null) {
      producer.close();
    }
  }

  @Test
  void shouldDeliverSetsInOrderUntilAcknowledged(TestCluster cluster) throws Exception {
    PollService app = start(cluster);
    String stream = pollStream(RECEIVER, StreamStatus.ENABLED);
    List<String> jtis = produce(cluster, stream, 3);

    JsonNode first = poll(app, stream, RECEIVER, "{\"returnImmediately\":true}").json();
    assertThat(jtisOf(first)).containsExactlyElementsOf(jtis);
    assertThat(first.path("moreAvailable").asBoolean()).isFalse();
    assertThat(first.path("sets").path(jtis.get(0)).asText()).isEqualTo(set(jtis.get(0)));

    JsonNode one =
        poll(app, stream, RECEIVER, "{\"returnImmediately\":true,\"maxEvents\":1}").json();
    assertThat(jtisOf(one)).containsExactly(jtis.get(0));
    assertThat(one.path("moreAvailable").asBoolean()).isTrue();

    String ackTwo =
        "{\"returnImmediately\":true,\"ack\":[\"" + jtis.get(0) + "\",\"" + jtis.get(2) + "\"]}";
    assertThat(jtisOf(poll(app, stream, RECEIVER, ackTwo).json())).containsExactly(jtis.get(1));

    String ackLastAndUnknown =
        "{\"returnImmediately\":true,\"ack\":[\""
            + jtis.get(1)
            + "\",\"no-such-jti\",\""
            + jtis.get(0)
            + "\"]}";
    JsonNode empty = poll(app, stream, RECEIVER, ackLastAndUnknown).json();
    assertThat(jtisOf(empty)).isEmpty();
    assertThat(empty.path("moreAvailable").asBoolean()).isFalse();
  }

  @Test
  void shouldReturnSetsAgainWhenTheResponseWasLost(TestCluster cluster) throws Exception {
    PollService app = start(cluster);
    String stream = pollStream(RECEIVER, StreamStatus.ENABLED);
    List<String> jtis = produce(cluster, stream, 2);

    poll(app, stream, RECEIVER, "{\"returnImmediately\":true}");
    assertThat(jtisOf(poll(app, stream, RECEIVER, "{\"returnImmediately\":true}").json()))
        .containsExactlyElementsOf(jtis);
  }

  @Test
  void shouldWakeALongPollWhenASetArrives(TestCluster cluster) throws Exception {
    PollService app = start(cluster);
    String stream = pollStream(RECEIVER, StreamStatus.ENABLED);
    CompletableFuture<Reply> waiting =
        CompletableFuture.supplyAsync(() -> pollUnchecked(app, stream, RECEIVER, "{}"));
    await().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(waiting).isNotDone();
    List<String> jtis = produce(cluster, stream, 1);

    Reply reply = waiting.get(50, TimeUnit.SECONDS);
    assertThat(jtisOf(reply.json())).containsExactlyElementsOf(jtis);
  }

  @Test
  void shouldContinueFromThePersistedStateOnAnotherInstanceAndAfterARestart(TestCluster cluster)
      throws Exception {
    PollService first = start(cluster);
    PollService second = start(cluster);
    String stream = pollStream(RECEIVER, StreamStatus.ENABLED);
    List<String> jtis = produce(cluster, stream, 4);

    assertThat(jtisOf(poll(first, stream, RECEIVER, "{\"returnImmediately\":true}").json()))
        .containsExactlyElementsOf(jtis);
    String ackFirstTwo =
        "{\"returnImmediately\":true,\"maxEvents\":0,\"ack\":[\""
            + jtis.get(0)
            + "\",\""
            + jtis.get(1)
            + "\"]}";
    assertThat(jtisOf(poll(first, stream, RECEIVER, ackFirstTwo).json())).isEmpty();

    assertThat(jtisOf(poll(second, stream, RECEIVER, "{\"returnImmediately\":true}").json()))
        .containsExactly(jtis.get(2), jtis.get(3));
    String ackThird = "{\"returnImmediately\":true,\"ack\":[\"" + jtis.get(2) + "\"]}";
    assertThat(jtisOf(poll(second, stream, RECEIVER, ackThird).json()))
        .containsExactly(jtis.get(3));

    first.close();
    second.close();
    PollService restarted = start(cluster);
    assertThat(jtisOf(poll(restarted, stream, RECEIVER, "{\"returnImmediately\":true}").json()))
        .containsExactly(jtis.get(3));
  }

  @Test
  void shouldRecordReportedErrorsAsDeadLettersAndNotReturnThem(TestCluster cluster)
      throws Exception {
    PollService app = start(cluster);
    String stream = pollStream(RECEIVER, StreamStatus.ENABLED);
    List<String> jtis = produce(cluster, stream, 2);
    String report =
        "{\"returnImmediately\":true,\"setErrs\":{\""
            + jtis.get(0)
            + "\":{\"err\":\"invalid_key\",\"description\":\"unknown kid\"}}}";

    assertThat(jtisOf(poll(app, stream, RECEIVER, report).json())).containsExactly(jtis.get(1));

    ConsumerRecord<byte[], byte[]> letter = deadLetterOf(cluster, stream);
    assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo(set(jtis.get(0)));
    assertThat(header(letter, PollDeadLetters.ERROR_EXCEPTION)).isEqualTo("invalid_key");
    assertThat(header(letter, PollDeadLetters.ERROR_MESSAGE)).isEqualTo("unknown kid");
    assertThat(header(letter, PollDeadLetters.ERROR_TOPIC)).isEqualTo(Topics.SIGNAL_EVENTS.name());
    assertThat(header(letter, PollDeadLetters.JTI)).isEqualTo(jtis.get(0));
    assertThat(header(letter, PollDeadLetters.RECEIVER)).isEqualTo(RECEIVER);
  }

  @Test
  void shouldAnswerForeignUnknownPushPausedAndDisabledStreamsAsSsfSays(TestCluster cluster)
      throws Exception {
    PollService app = start(cluster);
    String foreign = pollStream("receiver-b", StreamStatus.ENABLED);
    produce(cluster, foreign, 1);
    String paused = pollStream(RECEIVER, StreamStatus.PAUSED);
    produce(cluster, paused, 1);
    String disabled = pollStream(RECEIVER, StreamStatus.DISABLED);
    produce(cluster, disabled, 1);
    String push = UUID.randomUUID().toString();
    streams.put(stream(push, RECEIVER, DeliveryMethod.PUSH, StreamStatus.ENABLED));
    String immediately = "{\"returnImmediately\":true}";

    assertThat(poll(app, foreign, RECEIVER, immediately).status()).isEqualTo(404);
    assertThat(poll(app, "no-such-stream", RECEIVER, immediately).status()).isEqualTo(404);
    Reply pushed = poll(app, push, RECEIVER, immediately);
    assertThat(pushed.status()).isEqualTo(400);
    assertThat(pushed.json().path("err").asText()).isEqualTo("invalid_request");
    Reply held = poll(app, paused, RECEIVER, immediately);
    assertThat(held.status()).isEqualTo(200);
    assertThat(jtisOf(held.json())).isEmpty();
    assertThat(poll(app, disabled, RECEIVER, immediately).status()).isEqualTo(409);

    streams.put(stream(disabled, RECEIVER, DeliveryMethod.POLL, StreamStatus.ENABLED));
    assertThat(jtisOf(poll(app, disabled, RECEIVER, immediately).json()))
        .as("SETs pending while disabled are not held")
        .isEmpty();
    streams.put(stream(paused, RECEIVER, DeliveryMethod.POLL, StreamStatus.ENABLED));
    assertThat(jtisOf(poll(app, paused, RECEIVER, immediately).json()))
        .as("SETs held while paused come once enabled")
        .hasSize(1);
    assertThat(poll(app, foreign, "receiver-b", immediately).status()).isEqualTo(200);
  }

  @Test
  void shouldRefuseHostileBodiesWithProblemDetails(TestCluster cluster) throws Exception {
    PollService app = start(cluster);
    String stream = pollStream(RECEIVER, StreamStatus.ENABLED);
    List<String> jtis = produce(cluster, stream, 1);
    StringBuilder tooManyAcks = new StringBuilder("{\"ack\":[");
    for (int i = 0; i < 11; i++) {
      tooManyAcks.append(i == 0 ? "" : ",").append("\"a").append(i).append('"');
    }
    tooManyAcks.append("]}");
    Map<String, Integer> refusals = new HashMap<>();
    refusals.put("{\"ack\":", 400);
    refusals.put("[]", 400);
    refusals.put("{\"ack\":\"" + jtis.get(0) + "\"}", 400);
    refusals.put("{\"ack\":[1]}", 400);
    refusals.put("{\"ack\":[\"\"]}", 400);
    refusals.put("{\"maxEvents\":-1}", 400);
    refusals.put("{\"maxEvents\":11}", 400);
    refusals.put("{\"maxEvents\":1.5}", 400);
    refusals.put("{\"maxEvents\":\"1\"}", 400);
    refusals.put("{\"returnImmediately\":\"true\"}", 400);
    refusals.put("{\"maxEvents\":1,\"maxEvents\":2}", 400);
    refusals.put("{\"setErrs\":[]}", 400);
    refusals.put("{\"setErrs\":{\"x\":{\"description\":\"no err\"}}}", 400);
    refusals.put("{\"ack\":[\"x\"],\"setErrs\":{\"x\":{\"err\":\"invalid_key\"}}}", 400);
    refusals.put("{} {}", 400);
    refusals.put(tooManyAcks.toString(), 400);
    refusals.put("{\"ack\":[\"" + "x".repeat(5000) + "\"]}", 413);
    for (Map.Entry<String, Integer> refusal : refusals.entrySet()) {
      Reply reply = poll(app, stream, RECEIVER, refusal.getKey());
      assertThat(reply.status()).as(refusal.getKey()).isEqualTo(refusal.getValue());
      assertThat(reply.contentType()).startsWith("application/problem+json");
      assertThat(reply.json().path("status").asInt()).isEqualTo(refusal.getValue());
      assertThat(reply.json().path("err").asText()).isEqualTo("invalid_request");
    }
    HttpResponse<String> notJson =
        HTTP.send(
            HttpRequest.newBuilder(pollUri(app, stream))
                .header(
                    "Authorization", "Bearer " + token(RECEIVER, ReceiverAuthentication.SCOPE_POLL))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(notJson.statusCode()).isEqualTo(415);
    HttpResponse<String> anonymous =
        HTTP.send(
            HttpRequest.newBuilder(pollUri(app, stream))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
        .get()
        .asString()
        .contains("Bearer");
    HttpResponse<String> unscoped =
        HTTP.send(
            HttpRequest.newBuilder(pollUri(app, stream))
                .header("Authorization", "Bearer " + token(RECEIVER, "ssf:read"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"returnImmediately\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(unscoped.statusCode()).isEqualTo(403);
    HttpResponse<String> forged =
        HTTP.send(
            HttpRequest.newBuilder(pollUri(app, stream))
                .header(
                    "Authorization",
                    "Bearer " + token(RECEIVER, ReceiverAuthentication.SCOPE_POLL) + "x")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"returnImmediately\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(401);

    assertThat(jtisOf(poll(app, stream, RECEIVER, "{\"returnImmediately\":true}").json()))
        .as("nothing refused changed the stream")
        .containsExactlyElementsOf(jtis);
  }

  private PollService start(TestCluster cluster) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", cluster.bootstrapServers());
    config.put("schema.registry.url", cluster.schemaRegistryUrl());
    config.put("signals.issuer", "http://localhost:9/issuer");
    config.put("signals.keys.dir", keys.toString());
    config.put("signals.http.port", 0);
    config.put(PollSettings.MAX_EVENTS, 10);
    config.put(PollSettings.DEFAULT_MAX_EVENTS, 10);
    config.put(PollSettings.MAX_ACKS, 10);
    config.put(PollSettings.MAX_BODY_BYTES, 4096);
    config.put(PollSettings.MAX_WAIT_MS, 40_000L);
    PollService app = PollService.start(SharedSignalsConfig.of(config), streams, RECEIVERS);
    apps.add(app);
    return app;
  }

  private String pollStream(String receiver, StreamStatus status) {
    String id = UUID.randomUUID().toString();
    streams.put(stream(id, receiver, DeliveryMethod.POLL, status));
    return id;
  }

  private static SignalStream stream(
      String id, String receiver, DeliveryMethod method, StreamStatus status) {
    Instant now = Instant.now();
    return new SignalStream(
        id,
        receiver,
        receiver,
        method,
        URI.create("https://transmitter.example/ssf/poll/" + id),
        null,
        Set.of(),
        status,
        null,
        "",
        Set.of(),
        now,
        now);
  }

  /** A SET-shaped JWS (the poll endpoint returns SETs as queued; it does not sign them). */
  private static String set(String jti) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header =
        b64.encodeToString(
            "{\"alg\":\"ES256\",\"typ\":\"secevent+jwt\"}".getBytes(StandardCharsets.UTF_8));
    String payload =
        b64.encodeToString(
            ("{\"jti\":\"" + jti + "\",\"iss\":\"http://localhost:9/issuer\"}")
                .getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + "." + b64.encodeToString(jti.getBytes(StandardCharsets.UTF_8));
  }

  private List<String> produce(TestCluster cluster, String stream, int count) throws Exception {
    if (producer == null) {
      Map<String, Object> config = new HashMap<>();
      config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }
    List<String> jtis = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String jti = UUID.randomUUID().toString();
      producer
          .send(
              new ProducerRecord<>(
                  Topics.SIGNAL_EVENTS.name(), stream, set(jti).getBytes(StandardCharsets.UTF_8)))
          .get(30, TimeUnit.SECONDS);
      jtis.add(jti);
    }
    return jtis;
  }

  private static ConsumerRecord<byte[], byte[]> deadLetterOf(TestCluster cluster, String stream) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(Topics.DEAD_LETTERS.name(), 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                for (ConsumerRecord<byte[], byte[]> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  if (stream.equals(header(record, PollDeadLetters.STREAM))) {
                    found.add(record);
                  }
                }
                return !found.isEmpty();
              });
      return found.get(0);
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static List<String> jtisOf(JsonNode body) {
    List<String> jtis = new ArrayList<>();
    body.path("sets").fieldNames().forEachRemaining(jtis::add);
    return jtis;
  }

  private record Reply(int status, String contentType, JsonNode json) {}

  private static OctetKeyPair key() {
    try {
      return new OctetKeyPairGenerator(Curve.Ed25519).keyID("k1").generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An access token of {@code client} with {@code scope}. */
  private static String token(String client, String scope) {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject("operator")
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(600)))
            .jwtID(UUID.randomUUID().toString())
            .claim("client_id", client)
            .claim("scope", scope)
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .type(new JOSEObjectType("at+jwt"))
                .keyID("k1")
                .build(),
            claims);
    try {
      jwt.sign(new Ed25519Signer(KEY));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  private static URI pollUri(PollService app, String stream) {
    return URI.create("http://localhost:" + app.httpPort() + "/ssf/poll/" + stream);
  }

  private static Reply poll(PollService app, String stream, String receiver, String body)
      throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(pollUri(app, stream))
                .header(
                    "Authorization", "Bearer " + token(receiver, ReceiverAuthentication.SCOPE_POLL))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Reply(
        response.statusCode(),
        response.headers().firstValue("Content-Type").orElse(""),
        response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body()));
  }

  private static Reply pollUnchecked(PollService app, String stream, String receiver, String body) {
    try {
      return poll(app, stream, receiver, body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
