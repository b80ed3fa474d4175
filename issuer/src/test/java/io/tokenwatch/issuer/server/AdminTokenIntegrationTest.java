package io.tokenwatch.issuer.server;

import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An admin token obtained over HTTP revokes over HTTP, and stops working once itself revoked. */
@KafkaIntegrationTest
class AdminTokenIntegrationTest {

  /**
   * Not the one-machine default: the sample policy's admin audience follows the issuer's URL, so
   * admin tokens can be had whatever host and port the issuer runs on.
   */
  private static final String ISSUER_URL = "http://issuer.internal.example:9555";

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void shouldRevokeWithAnAdminTokenAndRefuseItOnceItIsRevokedItself(TestCluster cluster)
      throws Exception {
    Path policy = dir.resolve("policy.yaml");
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, in.readAllBytes());
    }
    IssuerConfig config =
        IssuerConfig.of(
            Map.of(
                IssuerConfig.ISSUER_URL,
                ISSUER_URL,
                IssuerConfig.PORT,
                "0",
                IssuerConfig.POLICY_FILE,
                policy.toString(),
                IssuerConfig.DATA_DIR,
                dir.resolve("data").toString(),
                IssuerConfig.PRODUCE_TIMEOUT_MS,
                "30000",
                IssuerConfig.BOOTSTRAP_SERVERS,
                cluster.bootstrapServers(),
                IssuerConfig.SCHEMA_REGISTRY_URL,
                cluster.schemaRegistryUrl()));
    String subject = "alice-" + UUID.randomUUID();
    String adminJti;
    try (IssuerServer server = IssuerServer.start(config)) {
      String base = "http://localhost:" + server.port();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> send(HttpRequest.newBuilder(URI.create(base + "/ready"))).statusCode() == 200);

      HttpResponse<String> issued =
          send(
              HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Authorization", basic(CONSOLE, CONSOLE_SECRET).get("Authorization"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "grant_type=client_credentials&audience="
                              + URLEncoder.encode(ISSUER_URL, StandardCharsets.UTF_8)
                              + "&scope=tokenwatch%3Aadmin")));
      assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
      String adminToken = Json.field(issued.body(), "access_token");
      adminJti = SignedJWT.parse(adminToken).getJWTClaimsSet().getJWTID();

      HttpResponse<String> revoked =
          admin(
              base,
              adminToken,
              "{\"kind\":\"subject\",\"value\":\""
                  + subject
                  + "\",\"issued_before\":\""
                  + Instant.now()
                  + "\",\"reason\":\"compromised\"}");
      assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(202);

      // The admin revokes its own token; once the issuer's feed has the record, it is refused.
      HttpResponse<String> selfRevoked =
          admin(base, adminToken, "{\"kind\":\"token\",\"value\":\"" + adminJti + "\"}");
      assertThat(selfRevoked.statusCode()).as(selfRevoked.body()).isEqualTo(202);
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                HttpResponse<String> refused =
                    admin(base, adminToken, "{\"kind\":\"subject\",\"value\":\"bob\"}");
                assertThat(refused.statusCode()).isEqualTo(401);
                assertThat(refused.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).contains("error=\"invalid_token\""));
                assertThat(Json.field(refused.body(), "error_description")).startsWith("revoked");
              });
    }

    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(
            SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()))
                .registrySettings());
    List<RevocationRequested> requests =
        readUntil(
            cluster,
            registry,
            Topics.REVOCATION_REQUESTS,
            r -> r.getSelector().getValue().equals(subject));
    assertThat(requests.get(0).getRequestedBy()).isEqualTo("admin:security-console");
    // No revocation stream runs here: what validators see at once is the issuer's fast path.
    List<Revocation> feed =
        readUntil(
            cluster,
            registry,
            Topics.REVOCATION_FAST_PATH,
            r -> r.getSelector().getValue().equals(subject));
    assertThat(feed.get(0).getRequestedBy()).isEqualTo("admin:security-console");
    assertThat(
            readUntil(
                cluster,
                registry,
                Topics.REVOCATION_FAST_PATH,
                r -> r.getSelector().getValue().equals(adminJti)))
        .isNotEmpty();
  }

  private HttpResponse<String> admin(String base, String token, String json) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base + "/admin/revocations"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The records of {@code topic} matching {@code match}, waiting until there is one. */
  private static <V extends SpecificRecord> List<V> readUntil(
      TestCluster cluster,
      SchemaRegistryClient registry,
      Topic<String, V> topic,
      Predicate<V> match) {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    List<V> values = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "admin-it-" + topic.name() + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            AvroSerdes.specific(topic.valueType(), registry, serde, false).deserializer())) {
      consumer.subscribe(List.of(topic.name()));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(500))) {
                  if (record.value() != null && match.test(record.value())) {
                    values.add(record.value());
                  }
                }
                return !values.isEmpty();
              });
    }
    return values;
  }
}
