package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.embedded.registry.EmbeddedSchemaRegistry;
import io.tokenwatch.embedded.registry.RegistryCredential;
import io.tokenwatch.events.AppliedRevocation;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The revocation pipeline on the secured broker, each component authenticated as its own principal
 * and allowed only the shipped ACLs: the issuer issues and accepts a revocation, the validator
 * allows then denies the token and reports its use and its status, and the revocation stream counts
 * the use and applies the revocation. Topics are created by the operator, not by the components.
 */
@Tag("integration")
class SecuredPipelineIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final RegistryCredential REGISTRY_WRITER = RegistryCredential.random("tokenwatch");

  @TempDir Path dataDir;

  @Test
  void shouldRunTheRevocationPipelineWithOnePrincipalPerComponentAndOnlyTheShippedAcls()
      throws Exception {
    try (SecuredKafka kafka =
            SecuredKafka.start(dataDir.resolve("kafka"), AclFile.read(AclFile.SHIPPED));
        EmbeddedSchemaRegistry registry =
            EmbeddedSchemaRegistry.builder().writeCredential(REGISTRY_WRITER).build().start()) {
      Map<String, Object> registryClient = new LinkedHashMap<>(REGISTRY_WRITER.clientSettings());
      registryClient.put(SerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
      SerdeConfig serdes = SerdeConfig.of(registryClient);
      try (Admin operator = Admin.create(kafka.adminClient())) {
        new TopicEnsurer(operator, new HttpSchemaRegistryClient(serdes.registrySettings()), WAIT)
            .ensure(Topics.ALL);
      }

      Map<String, Object> stream = new LinkedHashMap<>();
      stream.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      stream.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, registry.url());
      stream.putAll(REGISTRY_WRITER.clientSettings());
      stream.put(RevocationStreamConfig.STATE_DIR, dataDir.resolve("stream").toString());
      stream.put(RevocationStreamConfig.HTTP_PORT, 0);
      stream.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
      security(kafka, SecuredKafka.STREAM)
          .forEach((key, value) -> stream.put(RevocationStreamConfig.STREAMS_PREFIX + key, value));

      int issuerPort = Pipeline.freePort();
      String issuerUrl = "http://localhost:" + issuerPort;
      Map<String, Object> issuer = new LinkedHashMap<>();
      issuer.put(IssuerConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      issuer.put(IssuerConfig.SCHEMA_REGISTRY_URL, registry.url());
      issuer.putAll(REGISTRY_WRITER.clientSettings());
      issuer.put(IssuerConfig.ISSUER_URL, issuerUrl);
      issuer.put(IssuerConfig.PORT, issuerPort);
      issuer.put(
          IssuerConfig.POLICY_FILE,
          Pipeline.samplePolicy(dataDir.resolve("policy.yaml")).toString());
      issuer.put(IssuerConfig.DATA_DIR, dataDir.resolve("issuer").toString());
      security(kafka, SecuredKafka.ISSUER)
          .forEach((key, value) -> issuer.put(IssuerConfig.KAFKA_PREFIX + key, value));

      Map<String, Object> validator = new LinkedHashMap<>();
      validator.put(ValidatorConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      validator.put(ValidatorConfig.SCHEMA_REGISTRY_URL, registry.url());
      validator.putAll(REGISTRY_WRITER.clientSettings());
      validator.put(ValidatorConfig.ISSUER, issuerUrl);
      validator.put(ValidatorConfig.AUDIENCE, Pipeline.AUDIENCE);
      validator.put(ValidatorConfig.JWKS_URL, issuerUrl + "/.well-known/jwks.json");
      validator.put(ValidatorConfig.HTTP_HOST, "localhost");
      validator.put(ValidatorConfig.HTTP_PORT, 0);
      validator.put(ValidatorConfig.HTTP_ROUTES, "GET /orders/** -> orders:read");
      validator.put(ValidatorConfig.VALIDATOR_ID, "secured-sidecar");
      validator.putAll(security(kafka, SecuredKafka.VALIDATOR));

      try (RevocationStreamApp revocationStream = RevocationStreamApp.start(stream);
          IssuerServer issuerServer = IssuerServer.start(IssuerConfig.of(issuer));
          ValidatorService sidecar = ValidatorService.start(ValidatorConfig.of(validator))) {
        int introspection = revocationStream.httpPort();
        String sidecarUrl = "http://localhost:" + sidecar.port();

        HttpResponse<String> issued =
            Pipeline.post(
                issuerServer.issuerUrl() + "/oauth2/token",
                Pipeline.ORDERS_SERVICE,
                "application/x-www-form-urlencoded",
                "grant_type=client_credentials&scope=orders%3Aread&audience="
                    + java.net.URLEncoder.encode(Pipeline.AUDIENCE, StandardCharsets.UTF_8));
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
        String token = Pipeline.accessToken(issued);
        String jti = Pipeline.jti(token);

        await()
            .atMost(WAIT)
            .until(() -> authorize(sidecarUrl, token).statusCode(), status -> status == 200);
        // The validator's usage report reaches the stream, which counts it.
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> {
                  JsonNode answer = introspect(introspection, jti);
                  assertThat(answer.path("active").asBoolean()).as(answer.toString()).isTrue();
                  assertThat(answer.path("use_count").asLong()).as(answer.toString()).isEqualTo(1);
                });

        HttpResponse<String> revoked =
            Pipeline.post(
                issuerServer.issuerUrl() + "/admin/revocations",
                Pipeline.SECURITY_CONSOLE,
                "application/json",
                "{\"kind\":\"token\",\"value\":\"" + jti + "\"}");
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(202);
        await()
            .atMost(WAIT)
            .until(() -> authorize(sidecarUrl, token).statusCode(), status -> status == 401);
        await()
            .atMost(WAIT)
            .untilAsserted(
                () ->
                    assertThat(introspect(introspection, jti).path("active").asBoolean())
                        .isFalse());
        // The sidecar reports its status by default, under its own principal; the revocation it
        // applied is in a report, which the anomaly detector's principal may read.
        try (KafkaConsumer<String, ValidatorStatus> statuses =
            statusReader(kafka, serdes, SecuredKafka.DETECTOR)) {
          List<ValidatorStatus> reports = new ArrayList<>();
          await()
              .atMost(WAIT)
              .untilAsserted(
                  () -> {
                    statuses
                        .poll(Duration.ofMillis(200))
                        .forEach(
                            record -> {
                              if ("secured-sidecar".equals(record.key())) {
                                reports.add(record.value());
                              }
                            });
                    assertThat(reports)
                        .flatExtracting(ValidatorStatus::getRecent)
                        .extracting(AppliedRevocation::getSelector)
                        .contains("token:" + jti);
                  });
        }
        Figures.record(
            "secured pipeline",
            Map.of(
                "principals", 3,
                "aclsApplied", AclFile.read(AclFile.SHIPPED).size(),
                "tokenIssued", 1,
                "useCounted", 1,
                "revocationAppliedAtValidator", 1));
      }
    }
  }

  /** A consumer of the validators' status reports, logged in as {@code principal}. */
  private static KafkaConsumer<String, ValidatorStatus> statusReader(
      SecuredKafka kafka, SerdeConfig serdes, String principal) {
    Map<String, Object> config = new LinkedHashMap<>(kafka.client(principal));
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<String, ValidatorStatus> consumer =
        new KafkaConsumer<>(
            config,
            new StringDeserializer(),
            AvroSerdes.specific(
                    ValidatorStatus.class,
                    new HttpSchemaRegistryClient(serdes.registrySettings()),
                    serdes,
                    false)
                .deserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (int p = 0; p < Topics.VALIDATOR_STATUS.spec().partitions(); p++) {
      partitions.add(new TopicPartition(Topics.VALIDATOR_STATUS.name(), p));
    }
    consumer.assign(partitions);
    return consumer;
  }

  /** The SASL client settings of a component's principal, without bootstrap servers. */
  private static Map<String, Object> security(SecuredKafka kafka, String principal) {
    Map<String, Object> settings = new LinkedHashMap<>(kafka.client(principal));
    settings.remove("bootstrap.servers");
    return settings;
  }

  private static HttpResponse<String> authorize(String sidecar, String token) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(sidecar + "/auth"))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .header("X-Forwarded-Method", "GET")
            .header("X-Forwarded-Uri", "/orders/42")
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode introspect(int port, String jti) {
    JsonNode answer = Introspection.ask(port, jti);
    assertThat(answer).as("introspection of %s", jti).isNotNull();
    return answer;
  }
}
