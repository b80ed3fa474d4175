package io.tokenwatch.issuer.server;

import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.InputStream;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@KafkaIntegrationTest
class IssuerServerIntegrationTest {

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();

  private IssuerConfig config(TestCluster cluster, String instance) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    if (!Files.exists(policy)) {
      try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
        Files.write(policy, in.readAllBytes());
      }
    }
    return IssuerConfig.of(
        Map.of(
            IssuerConfig.ISSUER_URL,
            "http://localhost",
            IssuerConfig.PORT,
            "0",
            IssuerConfig.POLICY_FILE,
            policy.toString(),
            IssuerConfig.DATA_DIR,
            dir.resolve("data").toString(),
            IssuerConfig.INSTANCE_ID,
            instance,
            IssuerConfig.PRODUCE_TIMEOUT_MS,
            "30000",
            IssuerConfig.BOOTSTRAP_SERVERS,
            cluster.bootstrapServers(),
            IssuerConfig.SCHEMA_REGISTRY_URL,
            cluster.schemaRegistryUrl()));
  }

  private HttpResponse<String> post(
      IssuerServer server, Map<String, String> form, Map<String, String> headers) throws Exception {
    StringJoiner body = new StringJoiner("&");
    form.forEach((k, v) -> body.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/oauth2/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, String> form(String... pairs) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], pairs[i + 1]);
    }
    return form;
  }

  @Test
  void shouldRecordIssuanceAndDenialOnTheBrokerAndKeepRefreshStateAcrossRestarts(
      TestCluster cluster) throws Exception {
    String jti;
    String refreshToken;
    Dpop key = new Dpop();
    try (IssuerServer server = IssuerServer.start(config(cluster, "issuer-a"))) {
      HttpResponse<String> issued =
          post(
              server,
              form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
              basic(ORDERS_SERVICE, ORDERS_SECRET));
      assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
      String token = Json.field(issued.body(), "access_token");
      jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();

      HttpResponse<String> denied =
          post(
              server,
              form(
                  "grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:export"),
              basic(ORDERS_SERVICE, ORDERS_SECRET));
      assertThat(denied.statusCode()).isEqualTo(400);

      Map<String, String> headers =
          new HashMap<>(basic("reporting-agent", "demo-reporting-agent-secret-do-not-use-in-prod"));
      headers.put("DPoP", key.proof("POST", "http://localhost/oauth2/token", Instant.now()));
      HttpResponse<String> exchanged =
          post(
              server,
              form(
                  "grant_type",
                  TokenService.TOKEN_EXCHANGE,
                  "subject_token",
                  token,
                  "subject_token_type",
                  TokenService.ACCESS_TOKEN_TYPE),
              headers);
      assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
      refreshToken = Json.field(exchanged.body(), "refresh_token");
    }

    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(
            SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()))
                .registrySettings());
    List<TokenIssued> tokens = readAll(cluster, registry, Topics.TOKEN_ISSUED, 2);
    TokenIssued event =
        tokens.stream().filter(t -> t.getTokenId().equals(jti)).findFirst().orElseThrow();
    assertThat(event.getClientId()).isEqualTo(ORDERS_SERVICE);
    assertThat(event.getSubject()).isEqualTo(ORDERS_SERVICE);
    assertThat(event.getAudience()).isEqualTo(ORDERS);
    assertThat(event.getScopes()).containsExactly("orders:read");
    assertThat(event.getGrantType()).isEqualTo(GrantType.CLIENT_CREDENTIALS);
    assertThat(event.getPolicy().getPolicyId()).isEqualTo("tokenwatch-sample");
    assertThat(event.getRuleId()).isEqualTo(ORDERS_SERVICE + "/" + ORDERS);
    assertThat(event.getGrantedBy()).isEqualTo(ORDERS_SERVICE);
    assertThat(event.getIssuer()).isEqualTo("http://localhost");
    assertThat(tokens).anySatisfy(t -> assertThat(t.getParentTokenId()).isEqualTo(jti));
    List<IssuanceDenied> denials = readAll(cluster, registry, Topics.ISSUANCE_DENIED, 1);
    assertThat(denials)
        .anySatisfy(
            d -> {
              assertThat(d.getReason()).isEqualTo(IssuanceDenyReason.SCOPE_NOT_APPROVED);
              assertThat(d.getRequestedScopes()).containsExactly("orders:export");
              assertThat(d.getAllowedScopes()).containsExactly("orders:read", "orders:write");
            });
    assertThat(readAll(cluster, registry, Topics.REFRESH_GRANTS, 1))
        .anySatisfy(g -> assertThat(refreshToken).contains(g.getGrantId()));

    // A new instance (same data dir: same keys) reads the grant state from Kafka and rotates it.
    try (IssuerServer restarted = IssuerServer.start(config(cluster, "issuer-b"))) {
      Map<String, String> headers =
          new HashMap<>(basic("reporting-agent", "demo-reporting-agent-secret-do-not-use-in-prod"));
      headers.put("DPoP", key.proof("POST", "http://localhost/oauth2/token", Instant.now()));
      HttpResponse<String> refreshed =
          post(
              restarted,
              form("grant_type", "refresh_token", "refresh_token", refreshToken),
              headers);
      assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
      assertThat(Json.field(refreshed.body(), "refresh_token")).isNotEqualTo(refreshToken);
    }
  }

  private static <V extends SpecificRecord> List<V> readAll(
      TestCluster cluster, SchemaRegistryClient registry, Topic<String, V> topic, int atLeast) {
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    List<V> values = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "issuer-it-" + topic.name() + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            AvroSerdes.specific(topic.valueType(), registry, serde, false).deserializer())) {
      consumer.subscribe(List.of(topic.name()));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(500))) {
                  values.add(record.value());
                }
                return values.size() >= atLeast;
              });
    }
    return values;
  }
}
