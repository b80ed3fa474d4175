package io.tokenwatch.bench.propagation;

import com.nimbusds.jwt.JWTClaimsSet;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The background load of a {@link Run}: produces paced {@code TokenUsed} events for live tokens,
 * {@code rate} per second, until closed.
 */
public final class Background implements AutoCloseable {
  public final AtomicLong sent = new AtomicLong();
  public final AtomicLong errors = new AtomicLong();
  final AtomicBoolean running = new AtomicBoolean(true);
  final KafkaProducer<String, byte[]> producer;
  final List<String> ids = new ArrayList<>();
  final List<byte[]> events = new ArrayList<>();
  final Thread thread;
  private final int rate;

  public Background(
      List<JWTClaimsSet> tokens,
      EmbeddedPlatform platform,
      HttpSchemaRegistryClient registry,
      SerdeConfig serdes,
      int rate) {
    this.rate = rate;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4",
                ProducerConfig.CLIENT_ID_CONFIG,
                "bench-background-uses"),
            new StringSerializer(),
            new ByteArraySerializer());
    var serializer = AvroSerdes.specific(TokenUsed.class, registry, serdes, false).serializer();
    for (JWTClaimsSet claims : tokens) {
      ids.add(claims.getJWTID());
      events.add(serializer.serialize(Topics.TOKEN_USED.name(), used(claims)));
    }
    this.thread = new Thread(this::pump, "bench-background-uses");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  private void pump() {
    long start = System.nanoTime();
    int i = 0;
    while (running.get()) {
      var unused =
          producer.send(
              new ProducerRecord<>(Topics.TOKEN_USED.name(), ids.get(i), events.get(i)),
              (metadata, error) -> {
                if (error != null) {
                  errors.incrementAndGet();
                }
              });
      i = (i + 1) % ids.size();
      long n = sent.incrementAndGet();
      if (n % 50 == 0) {
        long ahead = start + n * 1_000_000_000L / rate - System.nanoTime();
        if (ahead > 0) {
          LockSupport.parkNanos(ahead); // pacing the producer
        }
      }
    }
  }

  private TokenUsed used(JWTClaimsSet claims) {
    Instant now = Instant.now();
    return TokenUsed.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(now)
        .setTokenId(claims.getJWTID())
        .setSubject(claims.getSubject())
        .setTokenClientId("orders-service")
        .setValidatorId("bench-background")
        .setResource("GET " + Run.AUDIENCE + "/orders/42")
        .setRequiredScopes(List.of("orders:read"))
        .setTokenScopes(List.of("orders:read"))
        .setDecision(UseDecision.ALLOWED)
        .setUseCount(1)
        .setTokenExpiresAt(claims.getExpirationTime().toInstant())
        .build();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join(10_000);
    producer.close(Duration.ofSeconds(10));
  }
}
