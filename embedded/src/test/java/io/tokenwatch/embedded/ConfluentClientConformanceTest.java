package io.tokenwatch.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confluent's own JavaScript client ({@code @confluentinc/schemaregistry}, in {@code conformance/})
 * against this registry: it must decode records we write by hand in Confluent's wire format, what
 * its serializer writes must decode with plain Avro and our registry, and it must register with the
 * platform's credential and be refused, with an error body it parses, without it.
 *
 * <p>Skipped when {@code node} or {@code conformance/node_modules} is missing, except on CI ({@code
 * CI=true}), where that is a failure: CI installs them with {@code npm ci --prefix conformance}.
 */
@Tag("integration")
class ConfluentClientConformanceTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static final Schema TOKEN_REVOKED =
      new Schema.Parser()
          .parse(
              """
              {"type": "record", "name": "TokenRevoked", "namespace": "io.tokenwatch.conformance",
               "fields": [
                 {"name": "jti", "type": "string"},
                 {"name": "revokedAt", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                 {"name": "reason", "type": {"type": "enum", "name": "Reason",
                                             "symbols": ["LOGOUT", "COMPROMISE", "POLICY"]}},
                 {"name": "scopes", "type": {"type": "array", "items": "string"}},
                 {"name": "actor", "type": ["null", "string"], "default": null},
                 {"name": "uses", "type": "int"}
               ]}
              """);

  @TempDir static Path dataDir;
  private static @Nullable EmbeddedPlatform platform;
  private static Path conformanceDir;

  @BeforeAll
  static void startPlatform() {
    conformanceDir = requireConformanceTools();
    platform = EmbeddedPlatform.builder(dataDir).build().start();
  }

  @AfterAll
  static void stopPlatform() {
    if (platform != null) {
      platform.close();
    }
  }

  @Test
  void shouldLetConfluentsDeserializerDecodeARecordWeWroteByHand() throws Exception {
    String url = platform.schemaRegistryUrl();
    int id = register(url, "revocations-value", TOKEN_REVOKED.toString());
    GenericRecord record = new GenericData.Record(TOKEN_REVOKED);
    record.put("jti", "tok-123");
    record.put("revokedAt", 1_700_000_000_123L);
    record.put(
        "reason",
        new GenericData.EnumSymbol(TOKEN_REVOKED.getField("reason").schema(), "COMPROMISE"));
    record.put("scopes", List.of("read:audit", "write:tokens"));
    record.put("actor", "admin@example.com");
    record.put("uses", 3);
    Path bytesFile = Files.createTempFile(dataDir, "record", ".bin");
    Files.write(bytesFile, wireFormat(id, record));

    String output = node(null, "decode.js", url, bytesFile.toString(), "revocations");

    JsonNode decoded = JSON.readTree(output);
    assertThat(decoded.get("jti").asText()).isEqualTo("tok-123");
    assertThat(decoded.get("reason").asText()).isEqualTo("COMPROMISE");
    assertThat(decoded.get("scopes").toString()).isEqualTo("[\"read:audit\",\"write:tokens\"]");
    assertThat(decoded.get("actor").asText()).isEqualTo("admin@example.com");
    assertThat(decoded.get("uses").asInt()).isEqualTo(3);
    // Confluent's JavaScript deserializer leaves timestamp-millis as the underlying long.
    assertThat(decoded.get("revokedAt").asLong()).isEqualTo(1_700_000_000_123L);
  }

  @Test
  void shouldDecodeWhatConfluentsSerializerWroteWithAvroAndOurRegistry() throws Exception {
    String url = platform.schemaRegistryUrl();
    String recordJson =
        """
        {"jti": "tok-456", "revokedAt": 1700000000456, "reason": "POLICY",
         "scopes": ["read:audit"], "actor": null, "uses": 1}
        """;

    String hex =
        node(writer(), "serialize.js", url, "issued", TOKEN_REVOKED.toString(), recordJson).trim();

    ByteBuffer bytes = ByteBuffer.wrap(HexFormat.of().parseHex(hex));
    assertThat(bytes.get()).as("magic byte").isZero();
    int id = bytes.getInt();
    assertThat(registeredUnder(url, "issued-value")).isEqualTo(id);
    Schema writer = new Schema.Parser().parse(fetchSchema(url, id));
    byte[] payload = new byte[bytes.remaining()];
    bytes.get(payload);
    GenericRecord record =
        new GenericDatumReader<GenericRecord>(writer)
            .read(null, DecoderFactory.get().binaryDecoder(payload, null));
    assertThat(record.get("jti")).hasToString("tok-456");
    assertThat(record.get("reason")).hasToString("POLICY");
    assertThat(record.get("uses")).isEqualTo(1);
    assertThat(record.get("actor")).isNull();
    assertThat(record.get("scopes").toString()).isEqualTo("[read:audit]");
  }

  @Test
  void shouldRefuseConfluentsClientAnUnauthenticatedRegistrationWithAnErrorBodyItParses()
      throws Exception {
    String url = platform.schemaRegistryUrl();

    Script script =
        start(null, "register.js", url, "unauthenticated-value", TOKEN_REVOKED.toString());
    String output = finish(script);

    assertThat(script.process().exitValue())
        .as("%s %s", output, Files.readString(script.stderr()))
        .isEqualTo(3);
    JsonNode refusal = JSON.readTree(output);
    assertThat(refusal.get("status").asInt()).isEqualTo(401);
    // Confluent's client read the registry's error body: otherwise its code is 50005 (unknown).
    assertThat(refusal.get("errorCode").asInt()).isEqualTo(401);
    assertThat(http(url, "GET", "/subjects", null).toString())
        .doesNotContain("unauthenticated-value");
  }

  @Test
  void shouldLetConfluentsClientRegisterWithThePlatformsCredential() throws Exception {
    String url = platform.schemaRegistryUrl();

    JsonNode registered =
        JSON.readTree(
            node(writer(), "register.js", url, "authenticated-value", TOKEN_REVOKED.toString()));

    assertThat(registeredUnder(url, "authenticated-value")).isEqualTo(registered.get("id").asInt());
  }

  /** The platform's registry credential, as the scripts take it. */
  private static String writer() {
    return platform.schemaRegistryCredential().userInfo();
  }

  private static byte[] wireFormat(int schemaId, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static int register(String url, String subject, String schema) throws Exception {
    JsonNode body =
        http(url, "POST", "/subjects/" + subject + "/versions", Map.of("schema", schema));
    return body.get("id").asInt();
  }

  private static int registeredUnder(String url, String subject) throws Exception {
    return http(url, "GET", "/subjects/" + subject + "/versions/latest", null).get("id").asInt();
  }

  private static String fetchSchema(String url, int id) throws Exception {
    return http(url, "GET", "/schemas/ids/" + id, null).get("schema").asText();
  }

  private static JsonNode http(String url, String method, String path, @Nullable Object body)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .header(
                "Authorization",
                "Basic " + Base64.getEncoder().encodeToString(writer().getBytes(UTF_8)))
            .build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** A running conformance script and where its standard error goes. */
  private record Script(String name, Process process, Path stderr) {}

  /**
   * Runs a conformance script to success and returns what it printed.
   *
   * @param userInfo the registry credential the script sends, or null for none
   */
  private static String node(@Nullable String userInfo, String script, String... args)
      throws Exception {
    Script running = start(userInfo, script, args);
    String stdout = finish(running);
    assertThat(running.process().exitValue())
        .as("node %s failed: %s", script, Files.readString(running.stderr()))
        .isZero();
    return stdout;
  }

  private static Script start(@Nullable String userInfo, String script, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(args));
    Path stderr = Files.createTempFile(dataDir, "node", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(conformanceDir.toFile())
            .redirectError(stderr.toFile());
    builder.environment().remove("SCHEMA_REGISTRY_USER_INFO");
    if (userInfo != null) {
      builder.environment().put("SCHEMA_REGISTRY_USER_INFO", userInfo);
    }
    return new Script(script, builder.start(), stderr);
  }

  /** Waits for the script; its standard output, or a failure naming the script. */
  private static String finish(Script script) throws Exception {
    String stdout = new String(script.process().getInputStream().readAllBytes(), UTF_8);
    if (!script.process().waitFor(60, TimeUnit.SECONDS)) {
      script.process().destroyForcibly();
      fail("node %s did not finish", script.name());
    }
    return stdout;
  }

  /**
   * The {@code conformance/} folder with its dependencies installed, or a skip (a failure on CI).
   */
  private static Path requireConformanceTools() {
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    Path dir = findConformanceDir();
    String missing = null;
    if (dir == null) {
      missing = "no conformance/package.json above " + Path.of("").toAbsolutePath();
    } else if (!Files.isDirectory(dir.resolve("node_modules/@confluentinc/schemaregistry"))) {
      missing = "conformance/node_modules is not installed (run: npm ci --prefix conformance)";
    } else if (!nodeRuns()) {
      missing = "node is not on the PATH";
    }
    if (missing != null) {
      if (ci) {
        fail("Confluent client conformance cannot run on CI: " + missing);
      }
      assumeTrue(false, "Confluent client conformance skipped: " + missing);
    }
    return dir;
  }

  private static @Nullable Path findConformanceDir() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("conformance/package.json"))) {
        return dir.resolve("conformance");
      }
    }
    return null;
  }

  private static boolean nodeRuns() {
    try {
      Process process = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
