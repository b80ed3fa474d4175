package io.tokenwatch.bench.propagation;

import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.jwks.HttpJwksFetcher;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jspecify.annotations.Nullable;

/**
 * One validator of a {@link Run}: its own feed consumer, index and key set, and a thread that calls
 * {@code validate} every ~100 µs on the token it watches until it is denied as revoked.
 */
final class Validator implements AutoCloseable {
  private static final long PARK_NANOS = 100_000;

  final int id;
  final RevocationFeed feed;
  final TokenValidator validator;
  final Thread thread;
  volatile @Nullable TokenRequest target;
  volatile @Nullable CountDownLatch done;
  volatile long deniedAt;
  volatile boolean running = true;

  Validator(
      int id,
      EmbeddedPlatform platform,
      IssuerServer issuer,
      HttpSchemaRegistryClient registry,
      SerdeConfig serdes) {
    this.id = id;
    Map<String, Object> consumer = new HashMap<>();
    consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
    consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-validator-feed-" + id);
    RevocationIndex index = new RevocationIndex();
    this.feed =
        new RevocationFeed(
            consumer,
            AvroSerdes.specific(Revocation.class, registry, serdes, false).deserializer(),
            Topics.REVOCATIONS.name(),
            Topics.REVOCATION_FAST_PATH.name(),
            index,
            Clock.systemUTC(),
            Duration.ofMillis(500));
    this.validator =
        TokenValidator.builder()
            .issuer("http://localhost")
            .audience(Run.AUDIENCE)
            .jwks(
                JwksSource.fetching(
                    new HttpJwksFetcher(
                        URI.create("http://localhost:" + issuer.port() + "/.well-known/jwks.json"),
                        Duration.ofSeconds(5)),
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(5),
                    Clock.systemUTC()))
            .revocations(feed)
            .build();
    this.thread = new Thread(this::spin, "bench-validator-" + id);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  void watch(TokenRequest request, CountDownLatch latch) {
    done = latch;
    target = request;
    LockSupport.unpark(thread);
  }

  private void spin() {
    while (running) {
      TokenRequest request = target;
      if (request == null) {
        LockSupport.park(this);
        continue;
      }
      Decision decision = validator.validate(request);
      if (decision instanceof Decision.Deny deny && deny.reason() == DenyReason.REVOKED) {
        deniedAt = System.nanoTime();
        target = null;
        CountDownLatch latch = done;
        if (latch != null) {
          latch.countDown();
        }
      } else {
        LockSupport.parkNanos(PARK_NANOS);
      }
    }
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
    feed.close();
  }
}
