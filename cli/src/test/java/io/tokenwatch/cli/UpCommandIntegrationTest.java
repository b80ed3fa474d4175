package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tokenwatch up} on free ports: stock clients can use what it prints, and the whole pipeline
 * works end to end: a token issued, allowed by the validator sidecar, revoked by an admin, then
 * denied by the sidecar once the revocation arrives over Kafka.
 */
@Tag("integration")
class UpCommandIntegrationTest {

  private static final Pattern READY =
      Pattern.compile("tokenwatch up: bootstrap\\.servers=(\\S+) schema\\.registry\\.url=(\\S+) ");
  private static final Pattern ENDPOINT = Pattern.compile("(?m)^  (\\w+): +(http://\\S+)");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  // The sample policy's public demo secrets (issuer/README.md).
  private static final String ORDERS_SERVICE_SECRET =
      "demo-orders-service-secret-do-not-use-in-prod0";
  private static final String SECURITY_CONSOLE_SECRET =
      "demo-security-console-secret-not-for-prod-use";

  @TempDir static Path dataDir;

  private static CommandLine cli;
  private static CompletableFuture<Integer> exit;
  private static String output;

  @BeforeAll
  static void startUp() {
    cli = Tokenwatch.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    exit =
        CompletableFuture.supplyAsync(
            () ->
                cli.execute(
                    "up",
                    "--data-dir",
                    dataDir.toString(),
                    "--kafka-port",
                    "0",
                    "--registry-port",
                    "0",
                    "--issuer-port",
                    "0",
                    "--introspection-port",
                    "0",
                    "--validator-port",
                    "0"));
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> READY.matcher(out.toString()).find() || exit.isDone());
    output = out.toString();
    assertThat(exit).as("up exited early: %s", output).isNotDone();
  }

  @AfterAll
  static void stopUp() throws Exception {
    ((UpCommand) cli.getSubcommands().get("up").getCommand()).requestStop();
    assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void shouldPrintAddressesThatStockClientsCanUse() throws Exception {
    Matcher ready = READY.matcher(output);
    assertThat(ready.find()).isTrue();

    assertThat(produceAndConsume(ready.group(1))).isEqualTo("hello");
    HttpResponse<String> subjects = get(ready.group(2) + "/subjects", Map.of());
    assertThat(subjects.statusCode()).isEqualTo(200);
    assertThat(subjects.body()).startsWith("[").contains("\"tokenwatch.revocations-value\"");
  }

  @Test
  void shouldDenyATokenAtTheSidecarOnceAnAdminRevokedIt() throws Exception {
    String issuer = endpoint("issuer");
    String validator = endpoint("validator");
    String introspection = endpoint("introspection");

    HttpResponse<String> issued =
        post(
            issuer + "/oauth2/token",
            basic("orders-service", ORDERS_SERVICE_SECRET),
            "application/x-www-form-urlencoded",
            form(
                Map.of(
                    "grant_type", "client_credentials",
                    "audience", PlatformServices.SAMPLE_AUDIENCE,
                    "scope", "orders:read")));
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    String token = JSON.readTree(issued.body()).get("access_token").asText();
    String jti = claims(token).get("jti").asText();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(authorize(validator, token).statusCode()).isEqualTo(200));
    assertThat(authorize(validator, token).headers().firstValue("X-Auth-Token-Id")).contains(jti);

    HttpResponse<String> revoked =
        post(
            issuer + "/admin/revocations",
            basic("security-console", SECURITY_CONSOLE_SECRET),
            "application/json",
            "{\"kind\":\"token\",\"value\":\"" + jti + "\",\"reason\":\"COMPROMISED\"}");
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(202);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> denied = authorize(validator, token);
              assertThat(denied.statusCode()).isEqualTo(401);
              assertThat(denied.headers().firstValue("WWW-Authenticate").orElse(""))
                  .contains("invalid_token");
            });

    String secret = Files.readString(dataDir.resolve("introspection.secret")).strip();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> answer =
                  post(
                      introspection,
                      "Bearer " + secret,
                      "application/x-www-form-urlencoded",
                      form(Map.of("token", token)));
              assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
              JsonNode body = JSON.readTree(answer.body());
              assertThat(body.get("active").asBoolean()).isFalse();
            });
  }

  @Test
  void shouldRefuseAnExternalClusterWithoutARegistry() {
    CommandLine other = Tokenwatch.commandLine();
    StringWriter err = new StringWriter();
    other.setErr(new PrintWriter(err, true));

    int code = other.execute("up", "--bootstrap-servers", "localhost:1");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("needs both --bootstrap-servers and --schema-registry-url");
  }

  @Test
  void shouldRefuseAPortOutOfRange() {
    CommandLine other = Tokenwatch.commandLine();
    StringWriter err = new StringWriter();
    other.setErr(new PrintWriter(err, true));

    int code = other.execute("up", "--data-dir", dataDir.toString(), "--kafka-port", "70000");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--kafka-port must be between 0 and 65535, was 70000");
  }

  private static String endpoint(String name) {
    Matcher matcher = ENDPOINT.matcher(output);
    while (matcher.find()) {
      if (matcher.group(1).equals(name)) {
        return matcher.group(2);
      }
    }
    throw new AssertionError("no " + name + " endpoint in: " + output);
  }

  private static HttpResponse<String> authorize(String validator, String token) throws Exception {
    return get(
        validator + "/auth",
        Map.of(
            "Authorization", "Bearer " + token,
            "X-Forwarded-Method", "GET",
            "X-Forwarded-Uri", "/orders/42",
            "X-Forwarded-Host", "orders.example.com",
            "X-Forwarded-Proto", "https"));
  }

  private static JsonNode claims(String jwt) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
  }

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static String form(Map<String, String> fields) {
    StringBuilder body = new StringBuilder();
    fields.forEach(
        (key, value) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(key)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return body.toString();
  }

  private static HttpResponse<String> get(String url, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(
      String url, String authorization, String contentType, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", authorization)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String produceAndConsume(String bootstrap) throws Exception {
    String topic = "tokenwatch.dead-letters";
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "k", "hello")).get();
    }
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "up-test",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if ("hello".equals(record.value())) {
            return record.value();
          }
        }
      }
    }
    return "(nothing consumed)";
  }
}
