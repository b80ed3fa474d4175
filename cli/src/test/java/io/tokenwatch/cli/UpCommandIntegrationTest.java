package io.tokenwatch.cli;

import static io.tokenwatch.cli.PlatformUnderTest.JSON;
import static io.tokenwatch.cli.PlatformUnderTest.ORDERS_SERVICE;
import static io.tokenwatch.cli.PlatformUnderTest.SECURITY_CONSOLE;
import static io.tokenwatch.cli.PlatformUnderTest.authorize;
import static io.tokenwatch.cli.PlatformUnderTest.claims;
import static io.tokenwatch.cli.PlatformUnderTest.form;
import static io.tokenwatch.cli.PlatformUnderTest.get;
import static io.tokenwatch.cli.PlatformUnderTest.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
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

  @TempDir static Path dataDir;

  private static PlatformUnderTest platform;

  @BeforeAll
  static void startUp() {
    platform = PlatformUnderTest.start(dataDir);
  }

  @AfterAll
  static void stopUp() throws Exception {
    platform.close();
  }

  @Test
  void shouldPrintAddressesThatStockClientsCanUse() throws Exception {
    assertThat(produceAndConsume(platform.bootstrapServers())).isEqualTo("hello");
    HttpResponse<String> subjects = get(platform.schemaRegistryUrl() + "/subjects", Map.of());
    assertThat(subjects.statusCode()).isEqualTo(200);
    assertThat(subjects.body()).startsWith("[").contains("\"tokenwatch.revocations-value\"");
  }

  @Test
  void shouldReportItsAddressesOnlyOnceEveryServiceIsReady() throws Exception {
    // No waiting here: up printed its addresses, so each service must already say it is ready.
    for (String service : List.of("issuer", "introspection", "anomaly", "validator", "audit")) {
      java.util.regex.Matcher base =
          java.util.regex.Pattern.compile("^http://localhost:\\d+")
              .matcher(platform.endpoint(service));
      assertThat(base.find()).as(platform.endpoint(service)).isTrue();
      HttpResponse<String> ready = get(base.group() + "/ready", Map.of());
      assertThat(ready.statusCode()).as("%s /ready: %s", service, ready.body()).isEqualTo(200);
    }
  }

  @Test
  void shouldProtectRegistryChangesWithTheOwnerOnlyCredentialItPrintsTheFileOf() throws Exception {
    Path file = platform.registryCredentialFile();
    String userInfo = Files.readString(file).strip();
    String schema = "{\"schema\":\"\\\"string\\\"\"}";
    String path = "/subjects/up-credential-check-value/versions";

    HttpResponse<String> anonymous = registryPost(path, schema, null);
    HttpResponse<String> wrong = registryPost(path, schema, userInfo + "x");
    HttpResponse<String> registered = registryPost(path, schema, userInfo);

    assertThat(file).isEqualTo(dataDir.toAbsolutePath().resolve("schema-registry.credential"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(platform.output()).doesNotContain(userInfo.substring(userInfo.indexOf(':') + 1));
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(anonymous.body()).get("error_code").asInt()).isEqualTo(401);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
  }

  private static HttpResponse<String> registryPost(
      String path, String body, @Nullable String userInfo) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(platform.schemaRegistryUrl() + path))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (userInfo != null) {
      request.header(
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldDenyATokenAtTheSidecarOnceAnAdminRevokedIt() throws Exception {
    String issuer = platform.endpoint("issuer");
    String validator = platform.endpoint("validator");

    HttpResponse<String> issued =
        post(
            issuer + "/oauth2/token",
            ORDERS_SERVICE,
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
            SECURITY_CONSOLE,
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

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(platform.introspect(token).get("active").asBoolean()).isFalse());
  }

  @Test
  void shouldRaiseAReplayAlertWhenARevokedTokenIsPresentedAgain() throws Exception {
    String issuer = platform.endpoint("issuer");
    String validator = platform.endpoint("validator");
    HttpResponse<String> issued =
        post(
            issuer + "/oauth2/token",
            ORDERS_SERVICE,
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
    HttpResponse<String> revoked =
        post(
            issuer + "/admin/revocations",
            SECURITY_CONSOLE,
            "application/json",
            "{\"kind\":\"token\",\"value\":\"" + jti + "\",\"reason\":\"COMPROMISED\"}");
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(authorize(validator, token).statusCode()).isEqualTo(401));

    SerdeConfig serdes =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl()));
    try (KafkaConsumer<String, SecurityAlert> alerts =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "up-alerts-" + jti,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            AvroSerdes.specific(
                    SecurityAlert.class,
                    new HttpSchemaRegistryClient(serdes.registrySettings()),
                    serdes,
                    false)
                .deserializer())) {
      alerts.subscribe(List.of(Topics.SECURITY_ALERTS.name()));
      List<SecurityAlert> seen = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                alerts.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                return seen.stream()
                    .anyMatch(
                        a ->
                            a.getRule() == AlertRule.REPLAY_AFTER_REVOCATION
                                && jti.equals(a.getTokenId()));
              });
    }
  }

  @Test
  void shouldLetADemoPersonLogInWithThePasswordInTheOwnerOnlyFileItPrints() throws Exception {
    java.util.regex.Matcher people =
        java.util.regex.Pattern.compile("^(http://localhost:\\d+)/login$")
            .matcher(platform.endpoint("people"));
    assertThat(people.matches()).as(platform.endpoint("people")).isTrue();
    Path passwords = dataDir.resolve("people.txt");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(passwords)))
        .isEqualTo("rw-------");
    String alice =
        java.nio.file.Files.readAllLines(passwords).stream()
            .filter(line -> line.startsWith("alice "))
            .map(line -> line.split(" ")[1])
            .findFirst()
            .orElseThrow();
    java.net.http.HttpClient browser =
        java.net.http.HttpClient.newBuilder()
            .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
            .build();
    HttpResponse<String> page =
        browser.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(people.group(1) + "/login"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    java.util.regex.Matcher csrf =
        java.util.regex.Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(csrf.find()).as(page.body()).isTrue();
    String preSession = page.headers().allValues("Set-Cookie").get(0).split(";", 2)[0];

    HttpResponse<String> login =
        browser.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(people.group(1) + "/login"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", preSession)
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "username=alice&password="
                            + java.net.URLEncoder.encode(
                                alice, java.nio.charset.StandardCharsets.UTF_8)
                            + "&csrf="
                            + java.net.URLEncoder.encode(
                                csrf.group(1), java.nio.charset.StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
    assertThat(login.headers().allValues("Set-Cookie"))
        .anySatisfy(cookie -> assertThat(cookie).startsWith("__Host-tw_session="));
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
