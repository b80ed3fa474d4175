package io.tokenwatch.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@KafkaIntegrationTest
class KafkaClusterExtensionIntegrationTest {
  private static TestCluster fromBeforeAll;

  @BeforeAll
  static void rememberCluster(TestCluster cluster) {
    fromBeforeAll = cluster;
  }

  @Test
  void shouldShareOneClusterAcrossLifecycleMethodsAndTests(TestCluster cluster) {
    assertThat(cluster).isSameAs(fromBeforeAll);
  }

  @Test
  void shouldUseTheEmbeddedBrokerWhenDockerIsAbsent(TestCluster cluster) {
    if (!DockerProbe.dockerAvailable()) {
      assertThat(cluster.kind()).isEqualTo(TestCluster.Kind.EMBEDDED);
    }
    assertThat(cluster.bootstrapServers()).isNotBlank();
  }

  @Test
  void shouldServeASchemaRegistryBackedByTheClustersKafka(TestCluster cluster) throws Exception {
    // The URL carries the fixture's write credential, which the registry client sends.
    SchemaRegistryClient client =
        new HttpSchemaRegistryClient(
            SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()))
                .registrySettings());
    int id = client.register("extension-check-value", Schema.create(Schema.Type.STRING));

    HttpClient http = HttpClient.newHttpClient();
    URI withCredential = URI.create(cluster.schemaRegistryUrl());
    String plain =
        new URI(
                withCredential.getScheme(),
                null,
                withCredential.getHost(),
                withCredential.getPort(),
                null,
                null,
                null)
            .toString();
    HttpResponse<String> anonymous =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(plain + "/subjects/extension-anonymous-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"\\\"string\\\"\"}"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> subjects =
        http.send(
            HttpRequest.newBuilder(URI.create(plain + "/subjects"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(id).isPositive();
    assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
    assertThat(subjects.body())
        .contains("extension-check-value")
        .doesNotContain("extension-anonymous-value");
    try (Admin admin = admin(cluster)) {
      assertThat(
              admin
                  .listTopics(new ListTopicsOptions().listInternal(true))
                  .names()
                  .get(30, TimeUnit.SECONDS))
          .contains("_tokenwatch_schemas");
    }
  }

  @Test
  void shouldProduceAndConsumeOnTheInjectedCluster(TestCluster cluster) throws Exception {
    try (Admin admin = admin(cluster)) {
      admin
          .createTopics(List.of(new NewTopic("extension-roundtrip", 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      producer
          .send(new ProducerRecord<>("extension-roundtrip", "k", "v"))
          .get(30, TimeUnit.SECONDS);
    }
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "extension-roundtrip",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of("extension-roundtrip"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
    }
    assertThat(values).containsExactly("v");
  }

  private static Admin admin(TestCluster cluster) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
  }
}
