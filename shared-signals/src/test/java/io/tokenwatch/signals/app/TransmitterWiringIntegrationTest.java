package io.tokenwatch.signals.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.DeliveryMethod;
import io.tokenwatch.signals.EventType;
import io.tokenwatch.signals.InMemoryStreamRegistry;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.StreamStatus;
import io.tokenwatch.signals.SubjectId;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transmitter as the service starts it, from its configuration: a revocation on the feed
 * reaches a push receiver as a SET signed with the issuer's key.
 */
@KafkaIntegrationTest
class TransmitterWiringIntegrationTest {

  private static final String ISSUER = "https://issuer.example";

  @TempDir Path issuerDataDir;

  @Test
  void shouldPushASetForARevocationOnTheFeedSignedWithTheIssuersKey(TestCluster cluster)
      throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    SigningKeys issuerKeys =
        SigningKeys.open(issuerDataDir, SigningAlgorithm.EDDSA, Clock.systemUTC());
    Map<String, Object> configs = new HashMap<>();
    configs.put("bootstrap.servers", cluster.bootstrapServers());
    configs.put("schema.registry.url", cluster.schemaRegistryUrl());
    configs.put("signals.issuer", ISSUER);
    configs.put("signals.keys.dir", issuerDataDir.toString());
    configs.put("signals.push.backoff-initial-ms", 50L);
    configs.put("signals.push.backoff-max-ms", 200L);
    configs.put("signals.push.group-id", "it-wiring-push-" + run);
    configs.put("signals.fanout.group-id", "it-wiring-fanout-" + run);
    SharedSignalsConfig config = SharedSignalsConfig.of(configs);
    SchemaRegistryClient schemas =
        new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
    TopicEnsurer.ensureCatalogue(SharedSignalsApp.kafkaSettings(config), schemas);

    List<String> received = new CopyOnWriteArrayList<>();
    HttpServer receiver =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext(
        "/events",
        exchange -> {
          received.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(202, -1);
          exchange.close();
        });
    receiver.start();
    String subject = "carol-" + run;
    InMemoryStreamRegistry streams = new InMemoryStreamRegistry();
    Instant now = Instant.now();
    streams.put(
        new SignalStream(
            "wiring-" + run,
            "receiver-app",
            "https://receiver.example",
            DeliveryMethod.PUSH,
            URI.create("http://localhost:" + receiver.getAddress().getPort() + "/events"),
            "Bearer s3cret",
            Set.of(EventType.SESSION_REVOKED),
            StreamStatus.ENABLED,
            null,
            "",
            Set.of(new SubjectId.IssSub(ISSUER, subject)),
            now,
            now));

    try (TransmitterWiring transmitter =
            TransmitterWiring.create(config, schemas, new SimpleMeterRegistry(), Clock.systemUTC())
                .start(streams, false, uri -> "localhost".equals(uri.getHost()));
        KafkaProducer<String, Revocation> producer =
            new KafkaProducer<>(
                TransmitterWiring.producerSettings(SharedSignalsApp.kafkaSettings(config), "it"),
                new StringSerializer(),
                AvroSerdes.specific(Revocation.class, schemas, config.serdeConfig(), false)
                    .serializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.REVOCATIONS.name(),
                  "subject:" + subject,
                  Revocation.newBuilder()
                      .setEventId(UUID.randomUUID().toString())
                      .setOccurredAt(now)
                      .setSelector(
                          RevocationSelector.newBuilder()
                              .setKind(SelectorKind.SUBJECT)
                              .setValue(subject)
                              .setIssuedBefore(null)
                              .build())
                      .setReason(RevocationReason.ADMIN)
                      .setRequestedBy("admin:root")
                      .setForgetAfter(now.plus(Duration.ofHours(1)))
                      .build()))
          .get();

      await().atMost(Duration.ofSeconds(45)).until(() -> !received.isEmpty());
      JwtClaims claims =
          new JwtConsumerBuilder()
              .setExpectedType(true, "secevent+jwt")
              .setExpectedIssuer(ISSUER)
              .setExpectedAudience("https://receiver.example")
              .setVerificationKeyResolver(
                  new JwksVerificationKeyResolver(
                      new JsonWebKeySet(issuerKeys.jwksJson()).getJsonWebKeys()))
              .build()
              .processToClaims(received.get(0));
      assertThat(claims.getClaimsMap().get("sub_id"))
          .isEqualTo(Map.of("format", "iss_sub", "iss", ISSUER, "sub", subject));
      assertThat(transmitter.outbox()).isNotNull();
    } finally {
      receiver.stop(0);
    }
  }
}
