package io.tokenwatch.validator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.TokenRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The reporter never blocks a validation: with the sender stuck (a broker that does not answer),
 * reports beyond the queue are dropped and counted, never silently lost. The producer is Kafka's
 * own {@link MockProducer}, made to block, because the point is the queue, not the broker.
 */
class UsageReporterTest {

  @Test
  void shouldDropAndCountReportsBeyondTheQueueWhileTheSenderIsStuck() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    MockProducer<String, TokenUsed> producer =
        new MockProducer<>(true, null, new StringSerializer(), (topic, value) -> new byte[0]) {
          @Override
          public synchronized Future<RecordMetadata> send(
              ProducerRecord<String, TokenUsed> record, Callback callback) {
            entered.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.send(record, callback);
          }
        };
    UsageReporter reporter = new UsageReporter(producer, "tokenwatch.token-used", "v-1", 2);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    reporter.bindTo(meters);

    reporter.onDecision(request(), deny(), Instant.now());
    await().atMost(Duration.ofSeconds(10)).until(() -> entered.getCount() == 0);
    // Returns at once although the sender is stuck: two fit in the queue, eight are dropped.
    for (int i = 0; i < 10; i++) {
      reporter.onDecision(request(), deny(), Instant.now());
    }

    assertThat(reporter.droppedCount()).isEqualTo(8);
    assertThat(
            meters
                .get("tokenwatch.usage.reports")
                .tag("outcome", "dropped")
                .functionCounter()
                .count())
        .isEqualTo(8.0);

    release.countDown();
    reporter.close();
    assertThat(reporter.sentCount()).isEqualTo(3);
    assertThat(producer.history()).hasSize(3);
  }

  @Test
  void shouldReportTheRuleThatSetTheRequiredScopesAndItsVersion() {
    TokenRequest named =
        TokenRequest.of("not-a-token", "GET", "https://api.example/orders", Set.of("orders:read"))
            .withRule("orders-read", "routes-sha256-9c1e")
            .withSource("198.51.100.23", null);

    TokenUsed event = UsageReporter.toEvent(named, deny(), Instant.EPOCH, "v-1");

    assertThat(event.getRouteRule()).isEqualTo("orders-read");
    assertThat(event.getRouteTableVersion()).isEqualTo("routes-sha256-9c1e");
    assertThat(
            UsageReporter.toEvent(
                    TokenRequest.of("t", "GET", "https://api.example/", Set.of(), "@RequiresScope"),
                    deny(),
                    Instant.EPOCH,
                    "v-1")
                .getRouteRule())
        .isEqualTo("@RequiresScope");
    assertThat(UsageReporter.toEvent(request(), deny(), Instant.EPOCH, "v-1").getRouteRule())
        .isNull();
  }

  private static TokenRequest request() {
    return TokenRequest.of("not-a-token", "GET", "https://api.example/orders", Set.of());
  }

  private static Decision deny() {
    return new Decision.Deny(DenyReason.MALFORMED, "not a JWT", null, 0, null);
  }
}
