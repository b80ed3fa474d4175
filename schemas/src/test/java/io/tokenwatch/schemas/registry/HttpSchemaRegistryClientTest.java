package io.tokenwatch.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.compat.CompatibilityLevel;
import io.tokenwatch.schemas.registry.SchemaRegistryException.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpSchemaRegistryClientTest {
  private static final Schema SCHEMA =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Fixed\",\"namespace\":\"t\",\"fields\":["
                  + "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"int\"}]}");
  private static final String SCHEMA_JSON_STRING =
      "\"" + SCHEMA.toString().replace("\"", "\\\"") + "\"";
  private static final String SECRET = "s3cr3t-Pa55";

  private RegistryStub stub;

  @BeforeEach
  void start() throws IOException {
    stub = new RegistryStub();
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  private HttpSchemaRegistryClient client() {
    return new HttpSchemaRegistryClient(fastRetries(RegistrySettings.of(stub.url())));
  }

  private static RegistrySettings fastRetries(RegistrySettings settings) {
    return settings
        .withRetries(2, Duration.ofMillis(1))
        .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  /** A URL on which nothing listens: the port was free a moment ago. */
  private static URI deadUrl() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  // ---- requests ----

  @Test
  void shouldRegisterWithRegistryMediaTypeAndEncodedSubject() {
    stub.enqueue(200, "{\"id\":11}");

    int id = client().register("a b/c-value", SCHEMA);

    assertThat(id).isEqualTo(11);
    RegistryStub.Request request = stub.requests().get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.rawPath()).isEqualTo("/subjects/a%20b%2Fc-value/versions");
    assertThat(request.header("Content-type")).isEqualTo(HttpSchemaRegistryClient.MEDIA_TYPE);
    assertThat(request.header("Accept"))
        .startsWith(HttpSchemaRegistryClient.MEDIA_TYPE)
        .contains("application/json");
    assertThat(request.body()).isEqualTo("{\"schema\":" + SCHEMA_JSON_STRING + "}");
  }

  @Test
  void shouldCacheRegistrationsAndSchemasById() {
    stub.enqueue(200, "{\"id\":11}").enqueue(200, "{\"schema\":" + SCHEMA_JSON_STRING + "}");
    HttpSchemaRegistryClient client = client();

    client.register("s-value", SCHEMA);
    client.register("s-value", SCHEMA);
    assertThat(client.getById(11)).isEqualTo(SCHEMA); // known from the registration
    assertThat(client.getById(12)).isEqualTo(SCHEMA);
    assertThat(client.getById(12)).isEqualTo(SCHEMA);

    assertThat(stub.requests())
        .extracting(RegistryStub.Request::rawPath)
        .containsExactly("/subjects/s-value/versions", "/schemas/ids/12");
  }

  @Test
  void shouldReadLatestLookupSubjectsAndVersions() {
    String registered =
        "{\"subject\":\"s-value\",\"version\":3,\"id\":9,\"schema\":" + SCHEMA_JSON_STRING + "}";
    stub.enqueue(200, registered)
        .enqueue(200, registered)
        .enqueue(200, "[\"a-value\",\"b-key\"]")
        .enqueue(200, "[1,2,3]");
    HttpSchemaRegistryClient client = client();

    assertThat(client.getLatest("s-value"))
        .isEqualTo(new RegisteredSchema("s-value", 3, 9, SCHEMA));
    assertThat(client.lookup("s-value", SCHEMA))
        .isEqualTo(new RegisteredSchema("s-value", 3, 9, SCHEMA));
    assertThat(client.subjects()).containsExactly("a-value", "b-key");
    assertThat(client.versions("s-value")).containsExactly(1, 2, 3);
    assertThat(stub.requests())
        .extracting(r -> r.method() + " " + r.rawPath())
        .containsExactly(
            "GET /subjects/s-value/versions/latest",
            "POST /subjects/s-value",
            "GET /subjects",
            "GET /subjects/s-value/versions");
  }

  @Test
  void shouldTestCompatibilityVerbosely() {
    stub.enqueue(
        200, "{\"is_compatible\":false,\"messages\":[\"READER_FIELD_MISSING_DEFAULT_VALUE\"]}");

    CompatibilityResult result = client().testCompatibility("s-value", SCHEMA);

    assertThat(result.isCompatible()).isFalse();
    assertThat(result.messages()).containsExactly("READER_FIELD_MISSING_DEFAULT_VALUE");
    assertThat(stub.requests().get(0).rawPath())
        .isEqualTo("/compatibility/subjects/s-value/versions/latest?verbose=true");
  }

  @Test
  void shouldReadAndSetCompatibilityLevels() {
    stub.enqueue(200, "{\"compatibilityLevel\":\"FULL_TRANSITIVE\"}")
        .enqueue(200, "{\"compatibility\":\"FORWARD\"}")
        .enqueue(200, "{\"compatibilityLevel\":\"NONE\"}")
        .enqueue(
            404,
            "{\"error_code\":40408,\"message\":\"Subject 'x' does not have subject-level compatibility configured\"}")
        .enqueue(200, "{\"compatibility\":\"BACKWARD\"}");
    HttpSchemaRegistryClient client = client();

    assertThat(client.globalCompatibility()).isEqualTo(CompatibilityLevel.FULL_TRANSITIVE);
    client.setGlobalCompatibility(CompatibilityLevel.FORWARD);
    assertThat(client.subjectCompatibility("s-value")).contains(CompatibilityLevel.NONE);
    assertThat(client.subjectCompatibility("x")).isEmpty();
    client.setSubjectCompatibility("s-value", CompatibilityLevel.BACKWARD);

    assertThat(stub.requests())
        .extracting(r -> r.method() + " " + r.rawPath() + " " + r.body())
        .containsExactly(
            "GET /config ",
            "PUT /config {\"compatibility\":\"FORWARD\"}",
            "GET /config/s-value ",
            "GET /config/x ",
            "PUT /config/s-value {\"compatibility\":\"BACKWARD\"}");
  }

  // ---- errors ----

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "404, 40401, SUBJECT_NOT_FOUND",
    "404, 40402, VERSION_NOT_FOUND",
    "404, 40403, SCHEMA_NOT_FOUND",
    "404, 99999, NOT_FOUND",
    "409, 40901, INCOMPATIBLE",
    "409, 0, INCOMPATIBLE",
    "422, 42201, INVALID_SCHEMA",
    "422, 42203, INVALID_COMPATIBILITY_LEVEL",
    "422, 42202, UNPROCESSABLE",
    "401, 40101, AUTHENTICATION_FAILED",
    "403, 40301, ACCESS_DENIED",
    "400, 40901, INCOMPATIBLE",
    "400, 0, BAD_REQUEST",
  })
  void shouldMapErrorResponsesByStatusThenCode(int status, int code, Reason reason) {
    stub.enqueue(status, "{\"error_code\":" + code + ",\"message\":\"registry says no\"}");

    assertThatThrownBy(() -> client().getById(5))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.status()).isEqualTo(status);
              assertThat(e.errorCode()).isEqualTo(code);
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.getMessage())
                  .contains("GET /schemas/ids/5", "HTTP " + status, "registry says no");
            });
    assertThat(stub.requests()).hasSize(1); // 4xx is never retried
  }

  @Test
  void shouldClassifyByStatusBeforeErrorCode() {
    assertThat(Reason.classify(500, 40403)).isEqualTo(Reason.UNEXPECTED_RESPONSE);
    assertThat(Reason.classify(422, 40403)).isEqualTo(Reason.UNPROCESSABLE);
    assertThat(Reason.classify(404, 42201)).isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void shouldReportNonJsonErrorBodyWithStatusAndClippedBody() {
    stub.enqueue(404, "<html><body>" + "x".repeat(1000) + "</body></html>");

    assertThatThrownBy(() -> client().getById(5))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
              assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.NO_ERROR_CODE);
              assertThat(e.getMessage()).contains("HTTP 404", "not JSON", "<html><body>xxx", "...");
              assertThat(e.getMessage()).hasSizeLessThan(400);
            });
  }

  @Test
  void shouldRetryServerErrorsThenSucceed() {
    stub.enqueue(503, "{\"error_code\":50301,\"message\":\"leader not ready\"}")
        .enqueue(503, "busy")
        .enqueue(200, "{\"id\":4}");

    assertThat(client().register("s-value", SCHEMA)).isEqualTo(4);
    assertThat(stub.requests()).hasSize(3);
  }

  @Test
  void shouldReportRegistryUnavailableAfterRetriesOfServerErrors() {
    stub.enqueue(500, "{\"error_code\":50001,\"message\":\"store error\"}")
        .enqueue(500, "{\"error_code\":50001,\"message\":\"store error\"}")
        .enqueue(502, "bad gateway");

    assertThatThrownBy(() -> client().register("s-value", SCHEMA))
        .isInstanceOfSatisfying(
            SchemaRegistryUnavailableException.class,
            e -> {
              assertThat(e.lastStatus()).isEqualTo(502);
              assertThat(e.getMessage()).contains("answered 502 after 3 attempt(s)", "bad gateway");
            })
        .isInstanceOf(org.apache.kafka.common.errors.RetriableException.class);
    assertThat(stub.requests()).hasSize(3);
  }

  @Test
  void shouldFailOverToSecondUrlAndKeepUsingIt() throws IOException {
    stub.enqueue(200, "{\"id\":1}").enqueue(200, "{\"schema\":" + SCHEMA_JSON_STRING + "}");
    HttpSchemaRegistryClient client =
        new HttpSchemaRegistryClient(fastRetries(RegistrySettings.of(deadUrl(), stub.url())));

    assertThat(client.register("s-value", SCHEMA)).isEqualTo(1);
    assertThat(client.getById(2)).isEqualTo(SCHEMA);
    assertThat(stub.requests()).hasSize(2);
  }

  @Test
  void shouldReportUnavailableWhenNoUrlAnswers() throws IOException {
    HttpSchemaRegistryClient client =
        new HttpSchemaRegistryClient(fastRetries(RegistrySettings.of(deadUrl(), deadUrl())));

    assertThatThrownBy(() -> client.getById(1))
        .isInstanceOfSatisfying(
            SchemaRegistryUnavailableException.class,
            e -> {
              assertThat(e.lastStatus()).isEqualTo(SchemaRegistryUnavailableException.NO_RESPONSE);
              assertThat(e.getMessage())
                  .contains("no schema registry reachable", "after 3 attempt(s)");
            });
  }

  // ---- credentials ----

  private static String basic(String userInfo) {
    return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldSendBasicAuthFromUserInfo() {
    stub.enqueue(200, "[]");
    HttpSchemaRegistryClient client =
        new HttpSchemaRegistryClient(
            fastRetries(RegistrySettings.of(stub.url()).withUserInfo("svc:" + SECRET)));

    client.subjects();

    assertThat(stub.requests().get(0).authorization()).isEqualTo(basic("svc:" + SECRET));
  }

  @Test
  void shouldSendBasicAuthFromUrlAndStripItFromTheRequestUrl() {
    stub.enqueue(200, "[]");
    URI withCredentials = URI.create("http://svc:" + SECRET + "@127.0.0.1:" + stub.url().getPort());
    HttpSchemaRegistryClient client =
        new HttpSchemaRegistryClient(fastRetries(RegistrySettings.of(withCredentials)));

    client.subjects();

    assertThat(stub.requests().get(0).authorization()).isEqualTo(basic("svc:" + SECRET));
    assertThat(client.toString()).doesNotContain(SECRET);
    assertThat(RegistrySettings.of(withCredentials).toString()).doesNotContain(SECRET);
  }

  @Test
  void shouldSendNoAuthorizationWithoutCredentials() {
    stub.enqueue(200, "[]");

    client().subjects();

    assertThat(stub.requests().get(0).authorization()).isNull();
  }

  @Test
  void shouldKeepSecretsOutOfExceptionMessages() throws IOException {
    stub.enqueue(401, "{\"error_code\":40101,\"message\":\"Unauthorized\"}");
    URI withCredentials = URI.create("http://svc:" + SECRET + "@127.0.0.1:" + stub.url().getPort());
    HttpSchemaRegistryClient byUrl =
        new HttpSchemaRegistryClient(fastRetries(RegistrySettings.of(withCredentials)));
    HttpSchemaRegistryClient byUserInfo =
        new HttpSchemaRegistryClient(
            fastRetries(RegistrySettings.of(deadUrl()).withUserInfo("svc:" + SECRET)));
    URI deadWithCredentials =
        URI.create("http://svc:" + SECRET + "@127.0.0.1:" + deadUrl().getPort());
    HttpSchemaRegistryClient deadByUrl =
        new HttpSchemaRegistryClient(fastRetries(RegistrySettings.of(deadWithCredentials)));

    assertThatThrownBy(byUrl::subjects)
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.AUTHENTICATION_FAILED))
        .satisfies(e -> assertThat(fullText(e)).doesNotContain(SECRET));
    assertThatThrownBy(byUserInfo::subjects)
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .satisfies(e -> assertThat(fullText(e)).doesNotContain(SECRET));
    assertThatThrownBy(deadByUrl::subjects)
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .satisfies(e -> assertThat(fullText(e)).doesNotContain(SECRET).contains("127.0.0.1"));
  }

  /** Messages of the exception, its causes and suppressed exceptions. */
  private static String fullText(Throwable t) {
    StringBuilder text = new StringBuilder();
    for (Throwable cur = t; cur != null; cur = cur.getCause()) {
      text.append(cur).append('\n');
      for (Throwable suppressed : cur.getSuppressed()) {
        text.append(fullText(suppressed));
      }
    }
    return text.toString();
  }
}
