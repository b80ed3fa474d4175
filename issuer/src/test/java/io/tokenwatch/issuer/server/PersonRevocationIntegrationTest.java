package io.tokenwatch.issuer.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.PersonAssertions;
import io.tokenwatch.people.Role;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * People revoking through a real issuer on a real broker: a revocation asserted by the console
 * lands on the request topic and the fast path, at the positions the answer names, naming the
 * person; a two-person revocation waits, survives an issuer restart, is refused to its requester
 * and lands once a second person approves, naming both.
 */
@KafkaIntegrationTest
class PersonRevocationIntegrationTest {

  static final String ISSUER = "http://localhost";
  static final String CONSOLE = "http://console.localhost";
  static final Person RITA =
      new Person("rita", "Rita Responder", EnumSet.of(Role.RESPONDER), Person.LOCAL);
  static final Person ROB =
      new Person("rob", "Rob Responder", EnumSet.of(Role.RESPONDER), Person.LOCAL);

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();

  private IssuerConfig config(TestCluster cluster, Path secret, String instance) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, in.readAllBytes());
    }
    return IssuerConfig.of(
        Map.of(
            IssuerConfig.ISSUER_URL, ISSUER,
            IssuerConfig.PORT, "0",
            IssuerConfig.POLICY_FILE, policy.toString(),
            IssuerConfig.DATA_DIR, dir.resolve("data").toString(),
            IssuerConfig.INSTANCE_ID, instance,
            IssuerConfig.PRODUCE_TIMEOUT_MS, "30000",
            IssuerConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers(),
            IssuerConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl(),
            PeopleConfig.ASSERTION_SECRET_FILE, secret.toString()));
  }

  private HttpResponse<String> post(
      IssuerServer server, PersonAssertions console, Person person, String path, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header(PersonAssertions.HEADER, console.sign(person, ISSUER, CONSOLE))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldLandAPersonsRevocationWhereTheAnswerSaysNamingThePerson(TestCluster cluster)
      throws Exception {
    Path secret = PersonAssertions.createSecretFile(dir.resolve("person.secret"));
    PersonAssertions console = PersonAssertions.fromSecretFile(secret, Clock.systemUTC());
    try (IssuerServer server = IssuerServer.start(config(cluster, secret, "issuer-p1"))) {
      String jti = "it-" + System.nanoTime();

      HttpResponse<String> answer =
          post(
              server,
              console,
              RITA,
              "/admin/revocations",
              "{\"kind\":\"token\",\"value\":\"" + jti + "\"}");

      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
      RevocationRequested request =
          recordAt(cluster, Topics.REVOCATION_REQUESTS, answer.body(), "/revocation_request");
      assertThat(request.getEventId()).isEqualTo(Json.field(answer.body(), "event_id"));
      assertThat(request.getSelector().getValue()).isEqualTo(jti);
      assertThat(request.getRequestedBy()).isEqualTo("person:rita;via:" + CONSOLE);
      Revocation fastPath =
          recordAt(cluster, Topics.REVOCATION_FAST_PATH, answer.body(), "/fast_path");
      assertThat(fastPath.getSourceEventId()).isEqualTo(request.getEventId());
      assertThat(fastPath.getRequestedBy()).isEqualTo("person:rita;via:" + CONSOLE);
    }
  }

  @Test
  void shouldKeepATwoPersonRevocationPendingAcrossARestartUntilASecondPersonApproves(
      TestCluster cluster) throws Exception {
    Path secret = PersonAssertions.createSecretFile(dir.resolve("person.secret"));
    PersonAssertions console = PersonAssertions.fromSecretFile(secret, Clock.systemUTC());
    String subject = "it-subject-" + System.nanoTime();
    String id;
    try (IssuerServer server = IssuerServer.start(config(cluster, secret, "issuer-p2"))) {
      HttpResponse<String> asked =
          post(
              server,
              console,
              RITA,
              "/admin/revocations",
              "{\"kind\":\"subject\",\"value\":\"" + subject + "\"}");
      assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
      assertThat(Json.field(asked.body(), "status")).isEqualTo("pending");
      id = Json.field(asked.body(), "pending_id");

      HttpResponse<String> own =
          post(server, console, RITA, "/admin/revocations/pending/" + id + "/approve", "");
      assertThat(own.statusCode()).as(own.body()).isEqualTo(403);
      assertThat(own.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    try (IssuerServer restarted = IssuerServer.start(config(cluster, secret, "issuer-p3"))) {
      HttpResponse<String> listed =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://localhost:" + restarted.port() + "/admin/revocations/pending"))
                  .timeout(Duration.ofSeconds(30))
                  .header(PersonAssertions.HEADER, console.sign(ROB, ISSUER, CONSOLE))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
      assertThat(listed.body()).contains(id).contains(subject);

      HttpResponse<String> approved =
          post(restarted, console, ROB, "/admin/revocations/pending/" + id + "/approve", "");

      assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
      RevocationRequested request =
          recordAt(cluster, Topics.REVOCATION_REQUESTS, approved.body(), "/revocation_request");
      assertThat(request.getSelector().getValue()).isEqualTo(subject);
      assertThat(request.getRequestedBy())
          .isEqualTo("person:rita;via:" + CONSOLE + ";approved-by:person:rob;via:" + CONSOLE);
    }
  }

  /** The record at the topic, partition and offset the answer names under {@code pointer}. */
  private static <V extends SpecificRecord> V recordAt(
      TestCluster cluster, Topic<String, V> topic, String answer, String pointer) {
    var landed = Json.tree(answer).at(pointer);
    assertThat(landed.get("topic").asText()).isEqualTo(topic.name());
    TopicPartition partition = new TopicPartition(topic.name(), landed.get("partition").asInt());
    long offset = landed.get("offset").asLong();
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    SchemaRegistryClient registry = new HttpSchemaRegistryClient(serde.registrySettings());
    AtomicReference<V> found = new AtomicReference<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new StringDeserializer(),
            AvroSerdes.specific(topic.valueType(), registry, serde, false).deserializer())) {
      consumer.assign(List.of(partition));
      consumer.seek(partition, offset);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(500))) {
                  if (record.offset() == offset) {
                    found.set(record.value());
                  }
                }
                return found.get() != null;
              });
    }
    return found.get();
  }
}
