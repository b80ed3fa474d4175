package io.tokenwatch.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
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
 * The platform against a real broker: the registry's state lives in Kafka and survives restarts, as
 * does the credential its changes need.
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
      String url = writerUrl(platform);
      v1 = register(url, "a-value", V1).get("id").asInt();
      v2 = register(url, "a-value", V2).get("id").asInt();
      send(url, "PUT", "/config", Map.of("compatibility", "FULL"));
      send(url, "PUT", "/config/a-value", Map.of("compatibility", "NONE"));
      assertRegistryTopicIsCompactedWithOnePartition(platform.bootstrapServers());
    }

    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
      String url = writerUrl(platform);
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
      String url = writerUrl(platform);
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
      String url = writerUrl(platform);
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

  @Test
  void shouldGenerateAnOwnerOnlyRegistryCredentialThatChangesNeedAndRestartsKeep()
      throws Exception {
    Path file = dataDir.resolve(EmbeddedPlatform.REGISTRY_CREDENTIAL_FILE);
    String userInfo;
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
      userInfo = platform.schemaRegistryCredential().userInfo();
      assertThat(platform.registryCredentialFile()).isEqualTo(file);
      assertThat(Files.readString(file).strip()).isEqualTo(userInfo);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");

      Answer anonymous =
          send(platform.schemaRegistryUrl(), "PUT", "/config", Map.of("compatibility", "NONE"));
      assertThat(anonymous.status).isEqualTo(401);
      assertThat(anonymous.body.get("error_code").asInt()).isEqualTo(401);
      assertThat(
              send(writerUrl(platform), "PUT", "/config", Map.of("compatibility", "FULL")).status)
          .isEqualTo(200);
    }

    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
      assertThat(platform.schemaRegistryCredential().userInfo()).isEqualTo(userInfo);
      assertThat(send(platform.schemaRegistryUrl(), "GET", "/config", null).body.toString())
          .contains("FULL");
    }
  }

  /** The registry URL with the platform's credential, which {@link #send} turns into basic auth. */
  private static String writerUrl(EmbeddedPlatform platform) {
    return platform.schemaRegistryCredential().inUrl(platform.schemaRegistryUrl());
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

  /** Sends a registry request; user info in {@code url} goes as HTTP basic auth. */
  private static Answer send(String url, String method, String path, Object body) throws Exception {
    URI uri = URI.create(url + path);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                new URI(
                    uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json");
    if (uri.getUserInfo() != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(uri.getUserInfo().getBytes(StandardCharsets.UTF_8)));
    }
    HttpResponse<String> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), JSON.readTree(response.body()));
  }
}
