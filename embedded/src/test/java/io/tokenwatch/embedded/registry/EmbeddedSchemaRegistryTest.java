package io.tokenwatch.embedded.registry;

import static io.tokenwatch.embedded.registry.TestSchemas.ACTOR_WITHOUT_DEFAULT;
import static io.tokenwatch.embedded.registry.TestSchemas.JTI;
import static io.tokenwatch.embedded.registry.TestSchemas.SCOPE_WITH_DEFAULT;
import static io.tokenwatch.embedded.registry.TestSchemas.V1;
import static io.tokenwatch.embedded.registry.TestSchemas.V1_MINUS_REQUIRED;
import static io.tokenwatch.embedded.registry.TestSchemas.V1_PLUS_DEFAULTED;
import static io.tokenwatch.embedded.registry.TestSchemas.V1_PLUS_REQUIRED;
import static io.tokenwatch.embedded.registry.TestSchemas.V1_RETYPED;
import static io.tokenwatch.embedded.registry.TestSchemas.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.embedded.registry.RawRegistryClient.Response;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The REST protocol end to end over HTTP, against a registry whose log is in memory. */
class EmbeddedSchemaRegistryTest {

  private final InMemorySchemaLog log = new InMemorySchemaLog();
  private final RegistryCredential writer = RegistryCredential.random("writer");
  private EmbeddedSchemaRegistry registry;
  private RawRegistryClient client;

  @BeforeEach
  void start() {
    registry = EmbeddedSchemaRegistry.builder().log(log).writeCredential(writer).build().start();
    client = new RawRegistryClient(registry.url(), writer);
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  private void restart() {
    registry.close();
    start();
  }

  private static String canonical(String schema) {
    return new Schema.Parser().parse(schema).toString();
  }

  @Test
  void shouldServeOnAFreeLocalPortWhenAskedForPortZero() {
    assertThat(registry.port()).isPositive();
    assertThat(registry.url()).isEqualTo("http://localhost:" + registry.port());
  }

  @Test
  void shouldRegisterAndServeTheSchemaByIdVersionAndLatest() {
    int id = client.registerOk("revocations-value", V1);

    Response byId = client.get("/schemas/ids/" + id);
    assertThat(byId.status()).isEqualTo(200);
    assertThat(byId.body().get("schema").asText()).isEqualTo(canonical(V1));

    for (String version : List.of("1", "latest", "-1")) {
      Response byVersion = client.get("/subjects/revocations-value/versions/" + version);
      assertThat(byVersion.status()).isEqualTo(200);
      assertThat(byVersion.body().get("subject").asText()).isEqualTo("revocations-value");
      assertThat(byVersion.body().get("version").asInt()).isEqualTo(1);
      assertThat(byVersion.body().get("id").asInt()).isEqualTo(id);
      assertThat(byVersion.body().get("schema").asText()).isEqualTo(canonical(V1));
    }
  }

  @Test
  void shouldAnswerWithTheRegistryMediaType() {
    client.registerOk("s", V1);
    assertThat(client.get("/subjects").contentType()).startsWith(RawRegistryClient.MEDIA_TYPE);
    assertThat(client.get("/schemas/ids/999").contentType())
        .startsWith(RawRegistryClient.MEDIA_TYPE);
  }

  @Test
  void shouldReturnTheExistingIdWithoutANewVersionWhenReRegistering() {
    int first = client.registerOk("s", V1);
    int again = client.registerOk("s", V1);

    assertThat(again).isEqualTo(first);
    assertThat(client.get("/subjects/s/versions").body().toString()).isEqualTo("[1]");
  }

  @Test
  void shouldGiveTheSameSchemaTheSameIdUnderTwoSubjects() {
    int underA = client.registerOk("a-value", V1);
    int underB = client.registerOk("b-value", V1);
    int other = client.registerOk("a-value", V1_PLUS_DEFAULTED);

    assertThat(underB).isEqualTo(underA);
    assertThat(other).isNotEqualTo(underA);
    Response uses = client.get("/schemas/ids/" + underA + "/versions");
    assertThat(uses.status()).isEqualTo(200);
    assertThat(uses.body().toString())
        .isEqualTo(
            "[{\"subject\":\"a-value\",\"version\":1},{\"subject\":\"b-value\",\"version\":1}]");
  }

  @Test
  void shouldCompareSchemasInCanonicalFormSoWhitespaceDoesNotMatter() {
    int compact = client.registerOk("s", V1);
    String spaced = V1.replace(",", " ,\n  ").replace(":", " : ");

    assertThat(client.registerOk("s", spaced)).isEqualTo(compact);
    Response lookup = client.post("/subjects/s", Map.of("schema", spaced));
    assertThat(lookup.status()).isEqualTo(200);
    assertThat(lookup.body().get("id").asInt()).isEqualTo(compact);
  }

  @Test
  void shouldListSubjectsAndTheirVersions() {
    client.registerOk("b-value", V1);
    client.registerOk("a-value", V1);
    client.registerOk("a-value", V1_PLUS_DEFAULTED);

    assertThat(client.get("/subjects").body().toString()).isEqualTo("[\"a-value\",\"b-value\"]");
    assertThat(client.get("/subjects/a-value/versions").body().toString()).isEqualTo("[1,2]");
    Response v2 = client.get("/subjects/a-value/versions/2");
    assertThat(v2.body().get("schema").asText()).isEqualTo(canonical(V1_PLUS_DEFAULTED));
    assertThat(client.get("/subjects/a-value/versions/latest").body().get("version").asInt())
        .isEqualTo(2);
  }

  @Test
  void shouldLookUpWhetherASchemaIsRegisteredUnderASubject() {
    int id = client.registerOk("s", V1);
    client.registerOk("s", V1_PLUS_DEFAULTED);

    Response found = client.post("/subjects/s", Map.of("schema", V1, "schemaType", "AVRO"));
    assertThat(found.status()).isEqualTo(200);
    assertThat(found.body().get("subject").asText()).isEqualTo("s");
    assertThat(found.body().get("id").asInt()).isEqualTo(id);
    assertThat(found.body().get("version").asInt()).isEqualTo(1);
    assertThat(found.body().get("schema").asText()).isEqualTo(canonical(V1));

    Response missingSchema = client.post("/subjects/s", Map.of("schema", V1_RETYPED));
    assertThat(missingSchema.status()).isEqualTo(404);
    assertThat(missingSchema.errorCode()).isEqualTo(40403);

    Response missingSubject = client.post("/subjects/nope", Map.of("schema", V1));
    assertThat(missingSubject.status()).isEqualTo(404);
    assertThat(missingSubject.errorCode()).isEqualTo(40401);
  }

  @Test
  void shouldAnswerSubjectNotFoundForAnUnknownSubject() {
    for (String path : List.of("/subjects/nope/versions", "/subjects/nope/versions/latest")) {
      Response response = client.get(path);
      assertThat(response.status()).isEqualTo(404);
      assertThat(response.errorCode()).isEqualTo(40401);
      assertThat(response.body().get("message").asText()).contains("nope");
    }
  }

  @Test
  void shouldAnswerVersionNotFoundForAnUnknownVersion() {
    client.registerOk("s", V1);

    Response response = client.get("/subjects/s/versions/7");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.errorCode()).isEqualTo(40402);
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "0", "-2", "1.5", "99999999999"})
  void shouldRejectAnInvalidVersion(String version) {
    client.registerOk("s", V1);

    Response response = client.get("/subjects/s/versions/" + version);
    assertThat(response.status()).isEqualTo(422);
    assertThat(response.errorCode()).isEqualTo(42202);
  }

  @Test
  void shouldAnswerSchemaNotFoundForAnUnknownId() {
    for (String path : List.of("/schemas/ids/42", "/schemas/ids/42/versions")) {
      Response response = client.get(path);
      assertThat(response.status()).isEqualTo(404);
      assertThat(response.errorCode()).isEqualTo(40403);
    }
  }

  @Test
  void shouldListAvroAsTheOnlySchemaType() {
    Response response = client.get("/schemas/types");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body().toString()).isEqualTo("[\"AVRO\"]");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"record\",\"name\":\"Broken\"",
        "{\"type\":\"record\",\"name\":\"NoFields\"}",
        "{\"type\":\"nosuchtype\"}",
        ""
      })
  void shouldRejectAnUnparseableSchema(String schema) {
    Response response = client.register("s", schema);
    assertThat(response.status()).isEqualTo(422);
    assertThat(response.errorCode()).isEqualTo(42201);
    assertThat(client.get("/subjects").body().toString()).isEqualTo("[]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"PROTOBUF", "JSON", "avro"})
  void shouldRejectASchemaTypeOtherThanAvro(String type) {
    Response response =
        client.post("/subjects/s/versions", Map.of("schema", V1, "schemaType", type));
    assertThat(response.status()).isEqualTo(422);
    assertThat(response.errorCode()).isEqualTo(42201);
  }

  @Test
  void shouldRejectSchemaReferences() {
    Response response =
        client.post(
            "/subjects/s/versions",
            Map.of(
                "schema",
                V1,
                "references",
                List.of(Map.of("name", "x", "subject", "y", "version", 1))));
    assertThat(response.status()).isEqualTo(422);
    assertThat(response.errorCode()).isEqualTo(42201);
  }

  @Test
  void shouldAnswerBadRequestForMalformedJson() {
    Response response =
        client.send("POST", "/subjects/s/versions", "{\"schema\":", RawRegistryClient.MEDIA_TYPE);
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.errorCode()).isEqualTo(400);
    Response notAnObject =
        client.send("PUT", "/config", "[\"BACKWARD\"]", RawRegistryClient.MEDIA_TYPE);
    assertThat(notAnObject.status()).isEqualTo(400);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        RawRegistryClient.MEDIA_TYPE,
        "application/json",
        "application/octet-stream",
        "application/vnd.schemaregistry+json"
      })
  void shouldAcceptTheRequestBodyWhateverJsonContentTypeTheClientDeclares(String contentType) {
    Response response =
        client.send("POST", "/subjects/s/versions", "{\"schema\":" + quoted(V1) + "}", contentType);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body().get("id").asInt()).isPositive();
  }

  @Test
  void shouldRefuseAnIncompatibleSchemaWithTheReasonsInTheMessage() {
    client.registerOk("s", V1);

    Response response = client.register("s", V1_PLUS_REQUIRED);
    assertThat(response.status()).isEqualTo(409);
    assertThat(response.errorCode()).isEqualTo(409);
    assertThat(response.body().get("message").asText())
        .contains("incompatible")
        .contains("TokenRevoked.actor");
    assertThat(client.get("/subjects/s/versions").body().toString()).isEqualTo("[1]");
  }

  @Test
  void shouldEnforceBackwardCompatibilityByDefault() {
    assertThat(client.get("/config").body().get("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");
    client.registerOk("s", V1);

    assertThat(client.register("s", V1_MINUS_REQUIRED).status()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource({
    "NONE, V1_RETYPED, 200",
    "BACKWARD, V1_PLUS_DEFAULTED, 200",
    "BACKWARD, V1_MINUS_REQUIRED, 200",
    "BACKWARD, V1_PLUS_REQUIRED, 409",
    "BACKWARD, V1_RETYPED, 409",
    "FORWARD, V1_PLUS_REQUIRED, 200",
    "FORWARD, V1_PLUS_DEFAULTED, 200",
    "FORWARD, V1_MINUS_REQUIRED, 409",
    "FULL, V1_PLUS_DEFAULTED, 200",
    "FULL, V1_PLUS_REQUIRED, 409",
    "FULL, V1_MINUS_REQUIRED, 409",
    "BACKWARD_TRANSITIVE, V1_PLUS_DEFAULTED, 200",
    "FORWARD_TRANSITIVE, V1_PLUS_REQUIRED, 200",
    "FULL_TRANSITIVE, V1_PLUS_DEFAULTED, 200",
    "FULL_TRANSITIVE, V1_RETYPED, 409"
  })
  void shouldEnforceEachCompatibilityLevelOnRegistration(
      String level, String candidate, int expectedStatus) {
    client.registerOk("s", V1);
    assertThat(client.put("/config/s", Map.of("compatibility", level)).status()).isEqualTo(200);

    assertThat(client.register("s", schemaNamed(candidate)).status()).isEqualTo(expectedStatus);
  }

  @ParameterizedTest(name = "{0} -> compatible: {1}")
  @CsvSource({
    "BACKWARD, true",
    "BACKWARD_TRANSITIVE, false",
    "FORWARD, true",
    "FORWARD_TRANSITIVE, true",
    "FULL, true",
    "FULL_TRANSITIVE, false"
  })
  void shouldCheckEveryEarlierVersionOnlyAtTransitiveLevels(String level, boolean compatible) {
    // v1 {jti}; v2 {jti, actor} (actor without default, allowed under NONE);
    // candidate {jti, actor, scope=""} reads v2 data but not v1 data (actor missing there).
    client.put("/config/s", Map.of("compatibility", "NONE"));
    client.registerOk("s", V1);
    client.registerOk("s", V1_PLUS_REQUIRED);
    client.put("/config/s", Map.of("compatibility", level));
    String candidate = record(JTI + "," + ACTOR_WITHOUT_DEFAULT + "," + SCOPE_WITH_DEFAULT);

    Response response =
        client.post("/compatibility/subjects/s/versions/latest", Map.of("schema", candidate));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body().get("is_compatible").asBoolean()).isEqualTo(compatible);
    assertThat(client.register("s", candidate).status()).isEqualTo(compatible ? 200 : 409);
  }

  @Test
  void shouldTestCompatibilityAgainstLatestOrOneVersionAndExplainWhenVerbose() {
    client.registerOk("s", V1);

    Response ok =
        client.post(
            "/compatibility/subjects/s/versions/latest", Map.of("schema", V1_PLUS_DEFAULTED));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body().get("is_compatible").asBoolean()).isTrue();
    assertThat(ok.body().has("messages")).isFalse();

    Response bad =
        client.post(
            "/compatibility/subjects/s/versions/1?verbose=true",
            Map.of("schema", V1_PLUS_REQUIRED));
    assertThat(bad.status()).isEqualTo(200);
    assertThat(bad.body().get("is_compatible").asBoolean()).isFalse();
    assertThat(bad.body().get("messages").toString()).contains("TokenRevoked.actor");

    Response unknownSubject =
        client.post("/compatibility/subjects/nope/versions/latest", Map.of("schema", V1));
    assertThat(unknownSubject.body().get("is_compatible").asBoolean()).isTrue();
    assertThat(
            client.post("/compatibility/subjects/s/versions/9", Map.of("schema", V1)).errorCode())
        .isEqualTo(40402);
    assertThat(
            client.post("/compatibility/subjects/s/versions/x", Map.of("schema", V1)).errorCode())
        .isEqualTo(42202);
    assertThat(
            client
                .post("/compatibility/subjects/s/versions/latest", Map.of("schema", "{"))
                .errorCode())
        .isEqualTo(42201);
  }

  @Test
  void shouldReadAndUpdateTheGlobalCompatibilityLevel() {
    Response updated = client.put("/config", Map.of("compatibility", "FULL"));
    assertThat(updated.status()).isEqualTo(200);
    assertThat(updated.body().get("compatibility").asText()).isEqualTo("FULL");
    assertThat(client.get("/config").body().get("compatibilityLevel").asText()).isEqualTo("FULL");

    client.registerOk("s", V1);
    assertThat(client.register("s", V1_MINUS_REQUIRED).status()).isEqualTo(409);
  }

  @Test
  void shouldRejectAnUnknownCompatibilityLevel() {
    for (String path : List.of("/config", "/config/s")) {
      Response response = client.put(path, Map.of("compatibility", "SIDEWAYS"));
      assertThat(response.status()).isEqualTo(422);
      assertThat(response.errorCode()).isEqualTo(42203);
    }
    Response missing = client.put("/config", Map.of("other", "x"));
    assertThat(missing.errorCode()).isEqualTo(42203);
    assertThat(client.get("/config").body().get("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");
  }

  @Test
  void shouldKeepSubjectLevelsApartFromTheGlobalOne() {
    Response none = client.get("/config/s");
    assertThat(none.status()).isEqualTo(404);
    assertThat(none.errorCode()).isEqualTo(40408);
    assertThat(
            client.get("/config/s?defaultToGlobal=true").body().get("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");

    assertThat(client.put("/config/s", Map.of("compatibility", "NONE")).status()).isEqualTo(200);
    assertThat(client.get("/config/s").body().get("compatibilityLevel").asText()).isEqualTo("NONE");
    assertThat(client.get("/config").body().get("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");

    client.registerOk("s", V1);
    assertThat(client.register("s", V1_RETYPED).status()).isEqualTo(200);
    client.registerOk("t", V1);
    assertThat(client.register("t", V1_RETYPED).status()).isEqualTo(409);

    Response removed = client.delete("/config/s");
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.body().get("compatibilityLevel").asText()).isEqualTo("NONE");
    assertThat(client.get("/config/s").errorCode()).isEqualTo(40408);
    assertThat(client.delete("/config/s").errorCode()).isEqualTo(40408);
  }

  @Test
  void shouldSoftDeleteASubjectKeepingItsIdsAndNeverReusingVersions() {
    int id = client.registerOk("s", V1);
    client.registerOk("s", V1_PLUS_DEFAULTED);

    Response deleted = client.delete("/subjects/s");
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.body().toString()).isEqualTo("[1,2]");
    assertThat(client.get("/subjects").body().toString()).isEqualTo("[]");
    assertThat(client.get("/subjects?deleted=true").body().toString()).isEqualTo("[\"s\"]");
    assertThat(client.get("/subjects/s/versions").errorCode()).isEqualTo(40401);
    assertThat(client.get("/subjects/s/versions/1?deleted=true").status()).isEqualTo(200);
    assertThat(client.get("/schemas/ids/" + id).status()).isEqualTo(200);
    assertThat(client.delete("/subjects/s").errorCode()).isEqualTo(40401);

    assertThat(client.registerOk("s", V1_RETYPED)).isNotEqualTo(id);
    assertThat(client.get("/subjects/s/versions").body().toString()).isEqualTo("[3]");
  }

  @Test
  void shouldRefusePermanentDeletion() {
    client.registerOk("s", V1);

    Response response = client.delete("/subjects/s?permanent=true");
    assertThat(response.status()).isEqualTo(422);
    assertThat(client.get("/subjects/s/versions").status()).isEqualTo(200);
  }

  @Test
  void shouldAnswerStoreErrorWithoutInternalsWhenTheLogFails() {
    client.registerOk("s", V1);
    log.failAppends();

    Response response = client.register("s", V1_PLUS_DEFAULTED);
    assertThat(response.status()).isEqualTo(500);
    assertThat(response.errorCode()).isEqualTo(50001);
    assertThat(response.body().get("message").asText())
        .doesNotContain("Exception")
        .doesNotContain("at io.");
    assertThat(client.get("/subjects/s/versions").body().toString()).isEqualTo("[1]");
    assertThat(client.put("/config", Map.of("compatibility", "NONE")).errorCode()).isEqualTo(50001);
    assertThat(client.get("/config").body().get("compatibilityLevel").asText())
        .isEqualTo("BACKWARD");
  }

  @Test
  void shouldAnswerAnUnknownPathWithAConfluentStyleError() {
    Response response = client.get("/no/such/path");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.errorCode()).isEqualTo(404);
  }

  @Test
  void shouldKeepIdsVersionsAndLevelsAcrossARestartOnTheSameLog() {
    int first = client.registerOk("a", V1);
    int second = client.registerOk("a", V1_PLUS_DEFAULTED);
    client.put("/config", Map.of("compatibility", "FORWARD"));
    client.put("/config/a", Map.of("compatibility", "FULL"));

    restart();

    assertThat(client.get("/subjects/a/versions/2").body().get("id").asInt()).isEqualTo(second);
    assertThat(client.registerOk("b", V1)).isEqualTo(first);
    assertThat(client.get("/config").body().get("compatibilityLevel").asText())
        .isEqualTo("FORWARD");
    assertThat(client.get("/config/a").body().get("compatibilityLevel").asText()).isEqualTo("FULL");
    int third = client.registerOk("c", V1_RETYPED);
    assertThat(third).isGreaterThan(second);
  }

  private static String schemaNamed(String name) {
    return switch (name) {
      case "V1_PLUS_DEFAULTED" -> V1_PLUS_DEFAULTED;
      case "V1_PLUS_REQUIRED" -> V1_PLUS_REQUIRED;
      case "V1_MINUS_REQUIRED" -> V1_MINUS_REQUIRED;
      case "V1_RETYPED" -> V1_RETYPED;
      default -> throw new IllegalArgumentException(name);
    };
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\"", "\\\"") + "\"";
  }
}
