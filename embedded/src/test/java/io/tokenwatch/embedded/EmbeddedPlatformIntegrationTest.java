package io.tokenwatch.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform against a real broker: the registry's state lives in Kafka and survives restarts.
 */
@Tag("integration")
class EmbeddedPlatformIntegrationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static final String V1 =
      "{\"type\":\"record\",\"name\":\"TokenRevoked\",\"namespace\":\"io.tokenwatch.test\","
          + "\"fields\":[{\"name\":\"jti\",\"type\":\"string\"}]}";
  private static final String V2 =
      "{\"type\":\"record\",\"name\":\"TokenRevoked\",\"namespace\":\"io.tokenwatch.test\","
          + "\"fields\":[{\"name\":\"jti\",\"type\":\"string\"},"
          + "{\"name\":\"reason\",\"type\":\"string\",\"default\":\"unknown\"}]}";
  private static final String INCOMPATIBLE =
      "{\"type\":\"record\",\"name\":\"TokenRevoked\",\"namespace\":\"io.tokenwatch.test\","
          + "\"fields\":[{\"name\":\"jti\",\"type\":\"int\"}]}";

  @TempDir Path dataDir;

  @Test
  void shouldKeepIdsVersionsAndConfigAcrossARestartOnTheSameDataDir() throws Exception {
    int v1;
    int v2;
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
      String url = platform.schemaRegistryUrl();
      v1 = register(url, "a-value", V1).get("id").asInt();
      v2 = register(url, "a-value", V2).get("id").asInt();
      send(url, "PUT", "/config", Map.of("compatibility", "FULL"));
      send(url, "PUT", "/config/a-value", Map.of("compatibility", "NONE"));
      assertRegistryTopicIsCompactedWithOnePartition(platform.bootstrapServers());
    }

    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
      String url = platform.schemaRegistryUrl();
      JsonNode latest = send(url, "GET", "/subjects/a-value/versions/latest", null).body;
      assertThat(latest.get("version").asInt()).isEqualTo(2);
      assertThat(latest.get("id").asInt()).isEqualTo(v2);
      assertThat(send(url, "GET", "/schemas/ids/" + v1, null).status).isEqualTo(200);
      assertThat(send(url, "GET", "/config", null).body.get("compatibilityLevel").asText())
          .isEqualTo("FULL");
      assertThat(send(url, "GET", "/config/a-value", null).body.get("compatibilityLevel").asText())
          .isEqualTo("NONE");
      // The same schema under a new subject keeps its id; a new schema gets a fresh one.
      assertThat(register(url, "b-value", V1).get("id").asInt()).isEqualTo(v1);
      assertThat(register(url, "b-value", V2).get("id").asInt()).isEqualTo(v2);
      assertThat(register(url, "c-value", INCOMPATIBLE).get("id").asInt())
          .isGreaterThan(Math.max(v1, v2));
    }
  }

  @Test
  void shouldGiveDistinctIdsToSchemasRegisteredConcurrently() throws Exception {
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
      String url = platform.schemaRegistryUrl();
      int threads = 16;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<int[]>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          String subject = "subject-" + t;
          Callable<int[]> task =
              () ->
                  new int[] {
                    register(url, subject, enumSchema("Enum_" + subject.replace('-', '_')))
                        .get("id")
                        .asInt(),
                    register(url, subject + "-shared", V1).get("id").asInt()
                  };
          results.add(pool.submit(task));
        }
        Set<Integer> ownIds = new HashSet<>();
        Set<Integer> sharedIds = new HashSet<>();
        for (Future<int[]> result : results) {
          int[] ids = result.get();
          ownIds.add(ids[0]);
          sharedIds.add(ids[1]);
        }
        assertThat(ownIds).hasSize(threads).doesNotContainAnyElementsOf(sharedIds);
        assertThat(sharedIds).hasSize(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void shouldRefuseAnIncompatibleSchemaAndAnswerNotFoundForAnUnknownId() throws Exception {
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
      String url = platform.schemaRegistryUrl();
      register(url, "a-value", V1);

      Answer refused =
          send(url, "POST", "/subjects/a-value/versions", Map.of("schema", INCOMPATIBLE));
      assertThat(refused.status).isEqualTo(409);
      assertThat(refused.body.get("error_code").asInt()).isEqualTo(409);

      Answer unknown = send(url, "GET", "/schemas/ids/4242", null);
      assertThat(unknown.status).isEqualTo(404);
      assertThat(unknown.body.get("error_code").asInt()).isEqualTo(40403);
    }
  }

  private static String enumSchema(String name) {
    return "{\"type\":\"enum\",\"name\":\"" + name + "\",\"symbols\":[\"X\"]}";
  }

  private static void assertRegistryTopicIsCompactedWithOnePartition(String bootstrap)
      throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      TopicDescription topic =
          admin
              .describeTopics(List.of("_tokenwatch_schemas"))
              .allTopicNames()
              .get()
              .get("_tokenwatch_schemas");
      assertThat(topic.partitions()).hasSize(1);
      var resource = new ConfigResource(ConfigResource.Type.TOPIC, "_tokenwatch_schemas");
      String policy =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get()
              .get(resource)
              .get(TopicConfig.CLEANUP_POLICY_CONFIG)
              .value();
      assertThat(policy).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
    }
  }

  private record Answer(int status, JsonNode body) {}

  private static JsonNode register(String url, String subject, String schema) throws Exception {
    Answer answer =
        send(url, "POST", "/subjects/" + subject + "/versions", Map.of("schema", schema));
    assertThat(answer.status).as("register %s: %s", subject, answer.body).isEqualTo(200);
    return answer.body;
  }

  private static Answer send(String url, String method, String path, Object body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), JSON.readTree(response.body()));
  }
}
