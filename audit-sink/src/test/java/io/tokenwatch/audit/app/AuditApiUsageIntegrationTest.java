package io.tokenwatch.audit.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.LeastPrivilege;
import io.tokenwatch.audit.http.ApiAuthenticator;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The audit API is a resource server for Tokenwatch tokens, so its own uses must reach the audit:
 * the security console that reads the audit exercises {@code audit:read}, and least-privilege must
 * say so.
 */
@Tag("integration")
@KafkaIntegrationTest
class AuditApiUsageIntegrationTest {

  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "urn:tokenwatch:audit";
  private static final String CLIENT = "security-console";
  private static final int CALLS = 8;

  @Test
  void shouldReportEveryApiCallSoLeastPrivilegeSeesAuditReadUsed(TestCluster cluster)
      throws Exception {
    OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).keyID("k1").generate();
    HttpServer jwks = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    byte[] keySet = new JWKSet(key.toPublicJWK()).toString().getBytes(UTF_8);
    jwks.createContext(
        "/jwks",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, keySet.length);
          exchange.getResponseBody().write(keySet);
          exchange.close();
        });
    jwks.start();
    String tokenId = "tok-" + UUID.randomUUID();
    String unscopedId = "tok-" + UUID.randomUUID();
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    Map<String, Object> settings =
        Map.of(
            AuditSinkConfig.BOOTSTRAP_SERVERS,
            cluster.bootstrapServers(),
            AuditSinkConfig.SCHEMA_REGISTRY_URL,
            cluster.schemaRegistryUrl(),
            AuditSinkConfig.GROUP_ID,
            "it-audit-usage-" + UUID.randomUUID(),
            AuditSinkConfig.DATA_DIR,
            Files.createTempDirectory("audit-usage-it").toString(),
            AuditSinkConfig.HTTP_PORT,
            0,
            AuditSinkConfig.BATCH_MAX_WAIT_MS,
            50,
            AuditSinkConfig.API_ISSUER,
            ISSUER,
            AuditSinkConfig.API_JWKS_URL,
            "http://localhost:" + jwks.getAddress().getPort() + "/jwks",
            AuditSinkConfig.API_AUDIENCE,
            AUDIENCE,
            AuditSinkConfig.API_SCOPE,
            "audit:read");
    AuditSinkApp app = AuditSinkApp.start(settings);
    try (KafkaProducer<String, TokenIssued> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            AvroSerdes.specific(
                    TokenIssued.class,
                    new HttpSchemaRegistryClient(serde.registrySettings()),
                    serde,
                    false)
                .serializer())) {
      // the console's token grants more than it needs: audit:export is the scope to narrow away
      producer.send(
          new ProducerRecord<>(
              Topics.TOKEN_ISSUED.name(),
              tokenId,
              issued(tokenId, List.of("audit:read", "audit:export"))));
      producer.flush();
      String token = token(key, tokenId, "audit:read audit:export");
      await().atMost(Duration.ofSeconds(60)).until(() -> call(app, token).statusCode() == 200);
      for (int i = 1; i < CALLS; i++) {
        assertThat(call(app, token).statusCode()).isEqualTo(200);
      }
      assertThat(call(app, token(key, unscopedId, "orders:read")).statusCode()).isEqualTo(403);

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                LeastPrivilege.Report report;
                try (AuditStore reader = app.reader()) {
                  report = new AuditQueries(reader).leastPrivilege(0);
                }
                assertThat(report.idle())
                    .noneMatch(row -> row.principal().clientId().equals(CLIENT));
                assertThat(report.narrowable())
                    .filteredOn(row -> row.principal().clientId().equals(CLIENT))
                    .singleElement()
                    .satisfies(
                        row -> {
                          assertThat(row.exercised()).containsExactly("audit:read");
                          assertThat(row.unused()).containsExactly("audit:export");
                          assertThat(row.uses()).isEqualTo(CALLS);
                        });
              });
      try (AuditStore reader = app.reader()) {
        List<AuditEvent> uses =
            new AuditQueries(reader)
                .query(
                    new AuditFilter(
                        null,
                        null,
                        tokenId,
                        null,
                        Set.of("TokenUsed"),
                        "ALLOWED",
                        null,
                        null,
                        null,
                        100));
        assertThat(uses).hasSize(CALLS);
      }
    } finally {
      app.close();
      jwks.stop(0);
    }

    // The denied call is reported too, naming the rule that required the scope, as the
    // sidecar's reports name their route rule.
    List<TokenUsed> reported = usesOf(cluster, serde, unscopedId);
    assertThat(reported)
        .singleElement()
        .satisfies(
            use -> {
              assertThat(use.getDecision()).isEqualTo(UseDecision.DENIED);
              assertThat(use.getValidatorId()).isEqualTo(AuditSinkApp.API_VALIDATOR_ID);
              assertThat(use.getRouteRule()).isEqualTo(ApiAuthenticator.RULE);
              assertThat(use.getRequiredScopes()).containsExactly("audit:read");
              assertThat(use.getTokenClientId()).isEqualTo(CLIENT);
            });
  }

  /**
   * The uses of one token on the shared test cluster's usage topic. Values are decoded only for
   * that token's records: other tests put poison records on the topic on purpose.
   */
  private static List<TokenUsed> usesOf(TestCluster cluster, SerdeConfig serde, String tokenId) {
    Deserializer<TokenUsed> decoder =
        AvroSerdes.specific(
                TokenUsed.class,
                new HttpSchemaRegistryClient(serde.registrySettings()),
                serde,
                false)
            .deserializer();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "it-usage-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.TOKEN_USED.name()));
      List<TokenUsed> found = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer
                    .poll(Duration.ofMillis(200))
                    .forEach(
                        record -> {
                          if (tokenId.equals(record.key())) {
                            found.add(decoder.deserialize(record.topic(), record.value()));
                          }
                        });
                return !found.isEmpty();
              });
      return found;
    }
  }

  private static TokenIssued issued(String tokenId, List<String> scopes) {
    TokenIssued event = SampleEvents.tokenIssued();
    event.setEventId(UUID.randomUUID().toString());
    event.setTokenId(tokenId);
    event.setSubject(CLIENT);
    event.setClientId(CLIENT);
    event.setAudience(AUDIENCE);
    event.setScopes(scopes);
    event.setGrantType(GrantType.CLIENT_CREDENTIALS);
    event.setParentTokenId(null);
    event.setLineage(List.of());
    event.setActor(null);
    event.setChannelBinding(
        io.tokenwatch.events.ChannelBinding.newBuilder()
            .setType(io.tokenwatch.events.BindingType.NONE)
            .setThumbprint(null)
            .build());
    event.setOccurredAt(Instant.now());
    return event;
  }

  private static String token(OctetKeyPair key, String tokenId, String scope) throws Exception {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject(CLIENT)
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(600)))
            .jwtID(tokenId)
            .claim("client_id", CLIENT)
            .claim("scope", scope)
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .type(new JOSEObjectType("at+jwt"))
                .keyID("k1")
                .build(),
            claims);
    jwt.sign(new Ed25519Signer(key));
    return jwt.serialize();
  }

  private static HttpResponse<String> call(AuditSinkApp app, String token) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://localhost:" + app.httpPort() + "/api/v1/events?limit=1"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
