package io.tokenwatch.issuer.kafka;

import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.PASSWORD;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AccessRequestStatus;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import io.tokenwatch.testing.fixtures.MutableClock;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access requests on a real broker: a request approved by two people becomes an exception the token
 * endpoint grants under, until the clock passes its end; the state survives a restart, and a
 * request of which only the last record is left (what compaction keeps) is rebuilt whole.
 */
@KafkaIntegrationTest
class AccessRequestsIntegrationTest {

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();
  final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));

  @Test
  void shouldGrantUnderAnApprovedExceptionUntilItEndsAndRebuildTheStateFromTheTopic(
      TestCluster cluster) throws Exception {
    IssuerConfig config = config(cluster);
    String id;
    AccessRequestChanged approvedRecord;
    try (IssuerServer server = IssuerServer.start(config, clock)) {
      String base = ready(server);
      assertThat(token(base).statusCode()).isEqualTo(400);

      HttpResponse<String> created =
          post(
              base + "/access-requests",
              "{\"client_id\":\"orders-service\",\"audience\":\""
                  + ORDERS
                  + "\",\"scopes\":[\"orders:export\"],\"purpose\":\"quarterly export\","
                  + "\"duration\":\"PT1H\"}",
              "ann");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      id = Json.field(created.body(), "id");
      assertThat(post(base + "/access-requests/" + id + "/approve", "", "ann").statusCode())
          .isEqualTo(403);
      assertThat(post(base + "/access-requests/" + id + "/approve", "", "bob").statusCode())
          .isEqualTo(200);
      HttpResponse<String> approved = post(base + "/access-requests/" + id + "/approve", "", "cid");
      assertThat(Json.field(approved.body(), "status")).isEqualTo("approved");
      String exceptionId = Json.field(approved.body(), "exception_id");

      HttpResponse<String> granted = token(base);
      assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
      assertThat(Json.field(granted.body(), "scope")).isEqualTo("orders:export");
      assertThat(Long.parseLong(Json.field(granted.body(), "expires_in"))).isLessThanOrEqualTo(300);

      clock.advance(Duration.ofHours(1));
      HttpResponse<String> ended = token(base);
      assertThat(ended.statusCode()).as(ended.body()).isEqualTo(400);
      assertThat(Json.field(ended.body(), "error")).isEqualTo("invalid_scope");
      assertThat(server.access().expireDue()).hasSize(1);

      List<AccessRequestChanged> history = history(cluster, id, 4);
      assertThat(history)
          .extracting(AccessRequestChanged::getStatus)
          .containsExactly(
              AccessRequestStatus.PENDING,
              AccessRequestStatus.PENDING,
              AccessRequestStatus.APPROVED,
              AccessRequestStatus.EXPIRED);
      assertThat(history.get(3).getExceptionId()).isEqualTo(exceptionId);
      approvedRecord = history.get(2);
    }

    // What compaction leaves of a request: its last record alone. Written under a fresh id whose
    // exception is still in force, it must be rebuilt whole and grant again after the restart.
    String compactedId = "req-" + UUID.randomUUID();
    AccessRequestChanged onlyRecord =
        AccessRequestChanged.newBuilder(approvedRecord)
            .setEventId(UUID.randomUUID().toString())
            .setRequestId(compactedId)
            .setExceptionId("exc-" + compactedId.substring(4))
            .setExceptionUntil(clock.instant().plus(Duration.ofHours(2)))
            .build();
    publish(cluster, compactedId, onlyRecord);

    try (IssuerServer restarted = IssuerServer.start(config, clock)) {
      String base = ready(restarted);
      HttpResponse<String> before = get(base + "/access-requests/" + id, "dee");
      assertThat(Json.field(before.body(), "status")).isEqualTo("expired");
      assertThat(Json.tree(before.body()).get("approvals"))
          .extracting(node -> node.get("person").asText())
          .containsExactly("bob", "cid");
      HttpResponse<String> rebuilt = get(base + "/access-requests/" + compactedId, "dee");
      assertThat(rebuilt.statusCode()).as(rebuilt.body()).isEqualTo(200);
      assertThat(Json.field(rebuilt.body(), "status")).isEqualTo("approved");

      assertThat(token(base).statusCode()).isEqualTo(200);
      clock.advance(Duration.ofHours(2));
      assertThat(token(base).statusCode()).isEqualTo(400);
    }
  }

  private IssuerConfig config(TestCluster cluster) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, in.readAllBytes());
    }
    TestIssuer.writeUsers(dir);
    return IssuerConfig.of(
        Map.of(
            IssuerConfig.ISSUER_URL,
            "http://issuer.internal.example:9556",
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
            cluster.schemaRegistryUrl(),
            PeopleConfig.USERS_FILE,
            dir.resolve("users.yaml").toString()));
  }

  private String ready(IssuerServer server) {
    String base = "http://localhost:" + server.port();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> send(HttpRequest.newBuilder(URI.create(base + "/ready"))).statusCode() == 200);
    return base;
  }

  private HttpResponse<String> token(String base) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Authorization", basic(ORDERS_SERVICE, ORDERS_SECRET).get("Authorization"))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "grant_type=client_credentials&audience="
                        + URLEncoder.encode(ORDERS, StandardCharsets.UTF_8)
                        + "&scope=orders%3Aexport")));
  }

  private HttpResponse<String> post(String url, String json, String user) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .header("Authorization", basic(user, PASSWORD).get("Authorization"))
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpResponse<String> get(String url, String user) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", basic(user, PASSWORD).get("Authorization"))
            .GET());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SchemaRegistryClient registry(TestCluster cluster) {
    return new HttpSchemaRegistryClient(serde(cluster).registrySettings());
  }

  private static SerdeConfig serde(TestCluster cluster) {
    return SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
  }

  /** Every record of request {@code id}, in topic order, once there are {@code count}. */
  private static List<AccessRequestChanged> history(TestCluster cluster, String id, int count) {
    List<AccessRequestChanged> records = new ArrayList<>();
    try (KafkaConsumer<String, AccessRequestChanged> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "access-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            AvroSerdes.specific(
                    AccessRequestChanged.class, registry(cluster), serde(cluster), false)
                .deserializer())) {
      consumer.subscribe(List.of(Topics.ACCESS_REQUESTS.name()));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<String, AccessRequestChanged> record :
                    consumer.poll(Duration.ofMillis(500))) {
                  if (id.equals(record.key())) {
                    records.add(record.value());
                  }
                }
                return records.size() >= count;
              });
    }
    return records;
  }

  private static void publish(TestCluster cluster, String key, AccessRequestChanged value)
      throws Exception {
    byte[] bytes =
        AvroSerdes.specific(AccessRequestChanged.class, registry(cluster), serde(cluster), false)
            .serializer()
            .serialize(Topics.ACCESS_REQUESTS.name(), value);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(Topics.ACCESS_REQUESTS.name(), key, bytes)).get();
    }
  }
}
