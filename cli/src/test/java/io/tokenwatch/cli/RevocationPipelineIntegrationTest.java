package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The revocation pipeline end to end, on {@code tokenwatch up} with free ports: a use limit
 * enforced locally by each validator and globally by the revocation stream, and a subject revoked
 * with an issued-before watermark.
 *
 * <p>A validator enforces {@code max_uses} with its own count, so one sidecar alone never lets a
 * token be used more than {@code max_uses} times and the stream, which counts allowed uses, has
 * nothing to revoke. The stream's revocation is for a token used at several validators: here a
 * second validator (another gateway) allows one more use, the stream sees {@code max_uses + 1}
 * allowed uses and revokes the token on the feed for every validator.
 */
@Tag("integration")
class RevocationPipelineIntegrationTest {

  private static final Pattern READY =
      Pattern.compile("tokenwatch up: bootstrap\\.servers=(\\S+) schema\\.registry\\.url=(\\S+) ");
  private static final Pattern ENDPOINT = Pattern.compile("(?m)^  (\\w+): +(http://\\S+)");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);

  // The sample policy's public demo secrets (issuer/README.md).
  private static final String ORDERS_SERVICE =
      basic("orders-service", "demo-orders-service-secret-do-not-use-in-prod0");
  private static final String SECURITY_CONSOLE =
      basic("security-console", "demo-security-console-secret-not-for-prod-use");

  @TempDir static Path dataDir;

  private static CommandLine cli;
  private static CompletableFuture<Integer> exit;
  private static String output;
  private static String bootstrapServers;
  private static String schemaRegistryUrl;

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
    Matcher ready = READY.matcher(output);
    assertThat(ready.find()).isTrue();
    bootstrapServers = ready.group(1);
    schemaRegistryUrl = ready.group(2);
  }

  @AfterAll
  static void stopUp() throws Exception {
    ((UpCommand) cli.getSubcommands().get("up").getCommand()).requestStop();
    assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void shouldDenyPastMaxUsesLocallyAndRevokeOnceThroughThePipelineWhenUsedAtTwoValidators()
      throws Exception {
    String sidecar = endpoint("validator");
    String token = issue(Map.of("max_uses", "3"));
    JsonNode claims = claims(token);
    String jti = claims.get("jti").asText();
    assertThat(claims.get("max_uses").asInt()).isEqualTo(3);

    // Use 1 once the sidecar's feed is ready (503 until then, which is not a use), then 2 and 3.
    assertThat(firstAnswer(sidecar, token)).isEqualTo(200);
    assertThat(authorize(sidecar, token).statusCode()).isEqualTo(200);
    assertThat(authorize(sidecar, token).statusCode()).isEqualTo(200);

    HttpResponse<String> fourth = authorize(sidecar, token);
    assertThat(fourth.statusCode()).isEqualTo(401);
    assertThat(challenge(fourth)).contains("invalid_token").contains("max uses exceeded");

    try (ValidatorService secondGateway = ValidatorService.start(secondValidator())) {
      String other = "http://localhost:" + secondGateway.port();
      // Its own count is 0, so it allows: the fourth allowed use of the token in all.
      assertThat(firstAnswer(other, token)).isEqualTo(200);

      List<Revocation> revocations =
          await()
              .atMost(WAIT)
              .until(() -> maxUsesRevocations("token:" + jti), found -> !found.isEmpty());
      Revocation revocation = revocations.get(0);
      assertThat(revocation.getSelector().getKind()).isEqualTo(SelectorKind.TOKEN);
      assertThat(revocation.getSelector().getValue()).isEqualTo(jti);
      assertThat(revocation.getSelector().getIssuedBefore()).isNull();
      assertThat(revocation.getUseCount()).isEqualTo(4L);

      for (String gateway : List.of(sidecar, other)) {
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> {
                  HttpResponse<String> denied = authorize(gateway, token);
                  assertThat(denied.statusCode()).isEqualTo(401);
                  assertThat(challenge(denied)).contains("revoked");
                });
      }
    }

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode answer = introspect(token);
              assertThat(answer.get("active").asBoolean()).as(answer.toString()).isFalse();
              assertThat(answer.path("revocation_reason").asText())
                  .as(answer.toString())
                  .isEqualTo("MAX_USES_EXCEEDED");
            });
    // Every use the stream will count has been counted by now (introspection reads its state), so
    // the feed holds its final say on this token.
    assertThat(maxUsesRevocations("token:" + jti)).hasSize(1);
  }

  @Test
  void shouldDenyTokensIssuedBeforeASubjectWatermarkAndAllowTokensIssuedAfter() throws Exception {
    String sidecar = endpoint("validator");
    String before = issue(Map.of());
    long beforeIat = claims(before).get("iat").asLong();
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(authorize(sidecar, before).statusCode()).isEqualTo(200));

    // iat has whole seconds: a watermark on a later whole second is after the first token's iat
    // and not after the iat of any token issued from then on.
    await().atMost(WAIT).until(() -> Instant.now().getEpochSecond() > beforeIat);
    Instant watermark = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    HttpResponse<String> revoked =
        post(
            endpoint("issuer") + "/admin/revocations",
            SECURITY_CONSOLE,
            "application/json",
            "{\"kind\":\"subject\",\"value\":\"orders-service\",\"issued_before\":\""
                + watermark
                + "\",\"reason\":\"COMPROMISED\"}");
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(202);
    assertThat(JSON.readTree(revoked.body()).get("selector").asText())
        .isEqualTo("subject:orders-service");
    String after = issue(Map.of());
    assertThat(claims(after).get("iat").asLong())
        .isGreaterThanOrEqualTo(watermark.getEpochSecond());

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              HttpResponse<String> denied = authorize(sidecar, before);
              assertThat(denied.statusCode()).isEqualTo(401);
              assertThat(challenge(denied)).contains("revoked");
            });
    HttpResponse<String> allowed = authorize(sidecar, after);
    assertThat(allowed.statusCode()).as(challenge(allowed)).isEqualTo(200);
    assertThat(allowed.headers().firstValue("X-Auth-Subject")).contains("orders-service");
  }

  /** The status of the first answer that is not 503 (feed not ready yet, which uses nothing). */
  private static int firstAnswer(String validator, String token) {
    return await()
        .atMost(WAIT)
        .until(() -> authorize(validator, token).statusCode(), status -> status != 503);
  }

  private static ValidatorConfig secondValidator() {
    String issuer = endpoint("issuer");
    Map<String, Object> settings = new HashMap<>();
    settings.put(ValidatorConfig.BOOTSTRAP_SERVERS, bootstrapServers);
    settings.put(ValidatorConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
    settings.put(ValidatorConfig.ISSUER, issuer);
    settings.put(ValidatorConfig.AUDIENCE, PlatformServices.SAMPLE_AUDIENCE);
    settings.put(ValidatorConfig.JWKS_URL, issuer + "/.well-known/jwks.json");
    settings.put(ValidatorConfig.HTTP_HOST, "localhost");
    settings.put(ValidatorConfig.HTTP_PORT, 0);
    settings.put(ValidatorConfig.HTTP_SCOPES, "/orders=orders:read");
    settings.put(ValidatorConfig.VALIDATOR_ID, "second-gateway");
    return ValidatorConfig.of(settings);
  }

  /** Every {@code MAX_USES_EXCEEDED} record under {@code key}, read from the start to the end. */
  private static List<Revocation> maxUsesRevocations(String key) {
    SerdeConfig serdes = SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl));
    var deserializer =
        AvroSerdes.specific(
                Revocation.class,
                new HttpSchemaRegistryClient(serdes.registrySettings()),
                serdes,
                false)
            .deserializer();
    List<Revocation> found = new ArrayList<>();
    try (KafkaConsumer<String, Revocation> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            deserializer)) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(Topics.REVOCATIONS.name())
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, Revocation> record : consumer.poll(Duration.ofMillis(200))) {
          if (key.equals(record.key())
              && record.value() != null
              && record.value().getReason() == RevocationReason.MAX_USES_EXCEEDED) {
            found.add(record.value());
          }
        }
      }
    }
    return found;
  }

  private static String issue(Map<String, String> extra) throws Exception {
    Map<String, String> fields = new HashMap<>(extra);
    fields.put("grant_type", "client_credentials");
    fields.put("audience", PlatformServices.SAMPLE_AUDIENCE);
    fields.put("scope", "orders:read");
    HttpResponse<String> issued =
        post(
            endpoint("issuer") + "/oauth2/token",
            ORDERS_SERVICE,
            "application/x-www-form-urlencoded",
            form(fields));
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    return JSON.readTree(issued.body()).get("access_token").asText();
  }

  private static JsonNode introspect(String token) throws Exception {
    String secret = Files.readString(dataDir.resolve("introspection.secret")).strip();
    HttpResponse<String> answer =
        post(
            endpoint("introspection"),
            "Bearer " + secret,
            "application/x-www-form-urlencoded",
            form(Map.of("token", token)));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
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
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(validator + "/auth"))
            .header("Authorization", "Bearer " + token)
            .header("X-Forwarded-Method", "GET")
            .header("X-Forwarded-Uri", "/orders/42")
            .header("X-Forwarded-Host", "orders.example.com")
            .header("X-Forwarded-Proto", "https")
            .GET();
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String challenge(HttpResponse<String> response) {
    return response.headers().firstValue("WWW-Authenticate").orElse("");
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
}
