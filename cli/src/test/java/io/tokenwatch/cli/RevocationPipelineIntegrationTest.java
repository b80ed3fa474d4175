package io.tokenwatch.cli;

import static io.tokenwatch.cli.PlatformUnderTest.JSON;
import static io.tokenwatch.cli.PlatformUnderTest.SECURITY_CONSOLE;
import static io.tokenwatch.cli.PlatformUnderTest.authorize;
import static io.tokenwatch.cli.PlatformUnderTest.claims;
import static io.tokenwatch.cli.PlatformUnderTest.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  private static final Duration WAIT = Duration.ofSeconds(60);

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
  void shouldDenyPastMaxUsesLocallyAndRevokeOnceThroughThePipelineWhenUsedAtTwoValidators()
      throws Exception {
    String sidecar = platform.endpoint("validator");
    String token = platform.issue(Map.of("max_uses", "3"));
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
              JsonNode answer = platform.introspect(token);
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
    String sidecar = platform.endpoint("validator");
    String before = platform.issue(Map.of());
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
            platform.endpoint("issuer") + "/admin/revocations",
            SECURITY_CONSOLE,
            "application/json",
            "{\"kind\":\"subject\",\"value\":\"orders-service\",\"issued_before\":\""
                + watermark
                + "\",\"reason\":\"COMPROMISED\"}");
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(202);
    assertThat(JSON.readTree(revoked.body()).get("selector").asText())
        .isEqualTo("subject:orders-service");
    String after = platform.issue(Map.of());
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
    String issuer = platform.endpoint("issuer");
    Map<String, Object> settings = new HashMap<>();
    settings.put(ValidatorConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.putAll(platform.registryClientSettings());
    settings.put(ValidatorConfig.ISSUER, issuer);
    settings.put(ValidatorConfig.AUDIENCE, PlatformServices.SAMPLE_AUDIENCE);
    settings.put(ValidatorConfig.JWKS_URL, issuer + "/.well-known/jwks.json");
    settings.put(ValidatorConfig.HTTP_HOST, "localhost");
    settings.put(ValidatorConfig.HTTP_PORT, 0);
    settings.put(ValidatorConfig.HTTP_ROUTES, "GET /orders/** -> orders:read");
    settings.put(ValidatorConfig.VALIDATOR_ID, "second-gateway");
    return ValidatorConfig.of(settings);
  }

  /** Every {@code MAX_USES_EXCEEDED} record under {@code key}, read from the start to the end. */
  private static List<Revocation> maxUsesRevocations(String key) {
    SerdeConfig serdes =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl()));
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
                platform.bootstrapServers(),
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

  private static String challenge(HttpResponse<String> response) {
    return response.headers().firstValue("WWW-Authenticate").orElse("");
  }
}
