package io.tokenwatch.embedded.registry;

import static io.tokenwatch.embedded.registry.TestSchemas.V1;
import static io.tokenwatch.embedded.registry.TestSchemas.V1_PLUS_DEFAULTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.embedded.registry.RawRegistryClient.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who may change the registry: only a caller presenting the write credential as HTTP basic auth.
 * Every refusal is a 401 with Confluent's error body and changes nothing; reads stay open.
 */
class RegistryWriteAuthenticationTest {

  private static final RegistryCredential WRITER = RegistryCredential.random("tokenwatch");

  /** One change the registry offers, as a client sends it. */
  private record Write(String method, String path, @Nullable Object body) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private final InMemorySchemaLog log = new InMemorySchemaLog();
  private EmbeddedSchemaRegistry registry;
  private RawRegistryClient writer;
  private RawRegistryClient anonymous;

  @BeforeEach
  void start() {
    registry = EmbeddedSchemaRegistry.builder().log(log).writeCredential(WRITER).build().start();
    writer = new RawRegistryClient(registry.url(), WRITER);
    anonymous = new RawRegistryClient(registry.url());
    writer.registerOk("orders-value", V1);
    assertThat(writer.put("/config/orders-value", Map.of("compatibility", "FULL")).status())
        .isEqualTo(200);
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  static List<Write> writes() {
    return List.of(
        new Write("PUT", "/config", Map.of("compatibility", "NONE")),
        new Write("PUT", "/config/orders-value", Map.of("compatibility", "NONE")),
        new Write("DELETE", "/config/orders-value", null),
        new Write("POST", "/subjects/orders-value/versions", Map.of("schema", V1_PLUS_DEFAULTED)),
        new Write("POST", "/subjects/new-subject/versions", Map.of("schema", V1)),
        new Write("DELETE", "/subjects/orders-value", null));
  }

  @ParameterizedTest
  @MethodSource("writes")
  void shouldRefuseAnUnauthenticatedWriteWith401AndChangeNothing(Write write) {
    String before = state();

    Response response = anonymous.send(write.method(), write.path(), write.body(), MEDIA);

    assertRefused(response);
    assertThat(state()).isEqualTo(before);
  }

  @ParameterizedTest
  @MethodSource("writes")
  void shouldCarryOutAWriteWithTheCredential(Write write) {
    String before = state();

    Response response = writer.send(write.method(), write.path(), write.body(), MEDIA);

    assertThat(response.status()).as("%s", response).isEqualTo(200);
    assertThat(state()).isNotEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "wrong-secret",
        "wrong-user",
        "user only",
        "bearer",
        "not base64",
        "empty",
        "secret with a trailing byte"
      })
  void shouldRefuseAWrongCredentialWith401(String kind) {
    String authorization =
        switch (kind) {
          case "wrong-secret" -> RawRegistryClient.basic(WRITER.user() + ":guess");
          case "wrong-user" -> RawRegistryClient.basic("admin:" + WRITER.secret());
          case "user only" -> RawRegistryClient.basic(WRITER.user());
          case "bearer" -> "Bearer " + WRITER.secret();
          case "not base64" -> "Basic %%%";
          case "empty" -> "Basic ";
          default -> RawRegistryClient.basic(WRITER.userInfo() + "x");
        };
    RawRegistryClient wrong = new RawRegistryClient(registry.url(), authorization);
    String before = state();

    for (Write write : writes()) {
      assertRefused(wrong.send(write.method(), write.path(), write.body(), MEDIA));
    }
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void shouldLeaveReadsOpen() {
    assertThat(anonymous.get("/subjects").status()).isEqualTo(200);
    assertThat(anonymous.get("/subjects/orders-value/versions/latest").status()).isEqualTo(200);
    assertThat(anonymous.get("/schemas/ids/1").status()).isEqualTo(200);
    assertThat(anonymous.get("/config").status()).isEqualTo(200);
    assertThat(anonymous.get("/config/orders-value").status()).isEqualTo(200);
    assertThat(anonymous.post("/subjects/orders-value", Map.of("schema", V1)).status())
        .isEqualTo(200);
    assertThat(
            anonymous
                .post(
                    "/compatibility/subjects/orders-value/versions/latest",
                    Map.of("schema", V1_PLUS_DEFAULTED))
                .status())
        .isEqualTo(200);
  }

  @Test
  void shouldAnswerAnUnauthenticatedRegistrationOfALiveVersionWithItsIdAndChangeNothing() {
    int id = writer.get("/subjects/orders-value/versions/1").body().get("id").asInt();
    String before = state();

    Response response = anonymous.register("orders-value", V1);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body().get("id").asInt()).isEqualTo(id);
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void shouldRefuseAnUnauthenticatedReRegistrationOfADeletedVersion() {
    assertThat(writer.delete("/subjects/orders-value").status()).isEqualTo(200);
    String before = state();

    assertRefused(anonymous.register("orders-value", V1));
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void shouldRefuseEveryWriteWhenNoCredentialIsConfigured() {
    registry.close();
    registry = EmbeddedSchemaRegistry.builder().log(log).build().start();
    writer = new RawRegistryClient(registry.url(), WRITER);
    RawRegistryClient guesser = writer;
    String before = state();

    for (Write write : writes()) {
      assertRefused(guesser.send(write.method(), write.path(), write.body(), MEDIA));
    }
    assertThat(state()).isEqualTo(before);
  }

  /**
   * Random unauthenticated requests, well-formed or not, against every write route: the reference
   * model of the registry's state for a caller without the credential is "unchanged".
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void shouldNeverChangeAnythingForRandomUnauthenticatedRequests(long seed) {
    Random random = new Random(seed);
    List<String> headers = new ArrayList<>();
    headers.add(null);
    headers.add(RawRegistryClient.basic(WRITER.user() + ":" + WRITER.secret().substring(1)));
    headers.add(RawRegistryClient.basic(":"));
    headers.add("Basic " + WRITER.userInfo());
    headers.add("basic");
    List<String> bodies =
        List.of(
            "{\"schema\":" + quoted(V1_PLUS_DEFAULTED) + "}",
            "{\"schema\":" + quoted(V1) + ",\"references\":[{\"name\":\"x\"}]}",
            "{\"compatibility\":\"NONE\"}",
            "{\"compatibility\":\"BOGUS\"}",
            "{\"schema\":",
            "[]",
            "");
    List<String> paths =
        List.of(
            "/config",
            "/config/orders-value",
            "/config/other",
            "/subjects/orders-value",
            "/subjects/orders-value?permanent=true",
            "/subjects/orders-value/versions",
            "/subjects/other/versions",
            "/subjects/%2e%2e/versions");
    List<String> methods = List.of("PUT", "POST", "DELETE");
    String before = state();

    for (int i = 0; i < 25; i++) {
      RawRegistryClient client =
          new RawRegistryClient(registry.url(), headers.get(random.nextInt(headers.size())));
      Response response =
          client.send(
              methods.get(random.nextInt(methods.size())),
              paths.get(random.nextInt(paths.size())),
              bodies.get(random.nextInt(bodies.size())),
              MEDIA);
      assertThat(response.status()).as("%s", response).isBetween(400, 499);
      assertThat(state()).isEqualTo(before);
    }
  }

  private static final String MEDIA = RawRegistryClient.MEDIA_TYPE;

  private static void assertRefused(Response response) {
    assertThat(response.status()).as("%s", response).isEqualTo(401);
    assertThat(response.errorCode()).isEqualTo(401);
    assertThat(response.body().get("message").asText()).isNotBlank();
    assertThat(response.contentType()).startsWith(MEDIA);
    assertThat(response.challenge()).startsWith("Basic realm=");
  }

  /** Everything a reader can see: subjects (deleted too), their versions and every level. */
  private String state() {
    StringBuilder state = new StringBuilder();
    JsonNode subjects = writer.get("/subjects?deleted=true").body();
    state.append(subjects).append(writer.get("/config").body());
    for (JsonNode subject : subjects) {
      String name = subject.asText();
      JsonNode versions = writer.get("/subjects/" + name + "/versions?deleted=true").body();
      state.append(name).append(versions).append(writer.get("/subjects/" + name + "/versions"));
      state.append(writer.get("/config/" + name).body());
      for (JsonNode version : versions) {
        state.append(
            writer
                .get("/subjects/" + name + "/versions/" + version.asInt() + "?deleted=true")
                .body());
      }
    }
    return state.toString();
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\"", "\\\"") + "\"";
  }
}
