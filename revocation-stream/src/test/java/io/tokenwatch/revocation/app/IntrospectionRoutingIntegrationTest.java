package io.tokenwatch.revocation.app;

import static io.tokenwatch.testing.fixtures.TestEvents.issued;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerde;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two instances of the app share the work; introspection asked of either instance answers for every
 * token, forwarding to the instance whose partition holds it.
 */
@KafkaIntegrationTest
class IntrospectionRoutingIntegrationTest {

  private static final String SECRET = "routing-secret";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final List<RevocationStreamApp> apps = new ArrayList<>();

  @AfterEach
  void stopApps() {
    apps.forEach(RevocationStreamApp::close);
  }

  @Test
  void shouldAnswerForEveryTokenFromEitherInstance(TestCluster cluster) throws Exception {
    String applicationId = "it-routing-" + UUID.randomUUID();
    apps.add(start(cluster, applicationId));
    apps.add(start(cluster, applicationId));
    List<String> tokens = issueTokens(cluster, 24);

    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              for (RevocationStreamApp app : apps) {
                assertThat(app.isRunning()).isTrue();
                for (String jti : tokens) {
                  JsonNode answer = introspect(app, jti);
                  assertThat(answer.path("active").asBoolean())
                      .as("token %s asked at port %d: %s", jti, app.httpPort(), answer)
                      .isTrue();
                  assertThat(answer.path("jti").asText()).isEqualTo(jti);
                }
              }
            });
  }

  private static RevocationStreamApp start(TestCluster cluster, String applicationId)
      throws Exception {
    return RevocationStreamApp.start(
        Map.of(
            RevocationStreamConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers(),
            RevocationStreamConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl(),
            RevocationStreamConfig.APPLICATION_ID, applicationId,
            RevocationStreamConfig.STATE_DIR,
                Files.createTempDirectory("revocation-routing").toString(),
            RevocationStreamConfig.HTTP_PORT, 0,
            RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, sha256Hex(SECRET)));
  }

  private static List<String> issueTokens(TestCluster cluster, int count) throws Exception {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    List<String> tokens = new ArrayList<>();
    try (AvroSerde<TokenIssued> values =
            AvroSerdes.specific(
                TokenIssued.class,
                new HttpSchemaRegistryClient(serde.registrySettings()),
                serde,
                false);
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG,
                    "all"),
                new StringSerializer(),
                new ByteArraySerializer())) {
      for (int i = 0; i < count; i++) {
        String jti = UUID.randomUUID().toString();
        TokenIssued event = issued(jti, Instant.now(), Duration.ofMinutes(30)).build();
        producer
            .send(
                new ProducerRecord<>(
                    Topics.TOKEN_ISSUED.name(),
                    jti,
                    values.serializer().serialize(Topics.TOKEN_ISSUED.name(), event)))
            .get();
        tokens.add(jti);
      }
    }
    return tokens;
  }

  private static JsonNode introspect(RevocationStreamApp app, String jti) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + "/introspect"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Bearer " + SECRET)
                .POST(HttpRequest.BodyPublishers.ofString("token=" + jti))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static String sha256Hex(String secret) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
  }
}
