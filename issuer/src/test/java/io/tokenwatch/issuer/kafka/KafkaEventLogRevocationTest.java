package io.tokenwatch.issuer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.RevocationReceipt;
import io.tokenwatch.issuer.testkit.StubSchemaRegistry;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The revocation path of {@link KafkaEventLog}: both records are pushed out at once (not left in
 * the producer's linger window), and the call still returns only once both are acknowledged.
 */
class KafkaEventLogRevocationTest {

  private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

  /** A producer that sends only when told: each record waits, as in a linger window. */
  private static MockProducer<String, byte[]> manualProducer() {
    return new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
  }

  @Test
  void shouldPushBothRevocationRecordsOutAtOnceInsteadOfWaitingForTheLinger() {
    MockProducer<String, byte[]> producer = manualProducer();
    try (KafkaEventLog log =
        new KafkaEventLog(producer, new StubSchemaRegistry(), Duration.ofSeconds(2))) {

      RevocationReceipt receipt = log.revocation(request(), fastPath());

      assertThat(producer.history())
          .extracting(r -> r.topic())
          .containsExactly(Topics.REVOCATION_REQUESTS.name(), Topics.REVOCATION_FAST_PATH.name());
      assertThat(receipt.request().topic()).isEqualTo(Topics.REVOCATION_REQUESTS.name());
      assertThat(receipt.fastPath().topic()).isEqualTo(Topics.REVOCATION_FAST_PATH.name());
    }
  }

  @Test
  void shouldNotReturnBeforeBothRecordsAreAcknowledged() throws Exception {
    // flush() here only hands the records over; acknowledgements come later, one at a time.
    MockProducer<String, byte[]> producer =
        new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized void flush() {}
        };
    try (KafkaEventLog log =
        new KafkaEventLog(producer, new StubSchemaRegistry(), Duration.ofSeconds(30))) {

      CompletableFuture<RevocationReceipt> call =
          CompletableFuture.supplyAsync(() -> log.revocation(request(), fastPath()));
      org.awaitility.Awaitility.await().until(() -> producer.history().size() == 2);
      producer.completeNext();

      assertThat(call).isNotDone();
      producer.completeNext();
      assertThat(call.get(30, TimeUnit.SECONDS).fastPath().topic())
          .isEqualTo(Topics.REVOCATION_FAST_PATH.name());
    }
  }

  @Test
  void shouldFailClosedWhenTheFastPathRecordIsNotAcknowledged() {
    MockProducer<String, byte[]> producer =
        new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized void flush() {
            completeNext();
            errorNext(new org.apache.kafka.common.errors.NotEnoughReplicasException("down"));
          }
        };
    try (KafkaEventLog log =
        new KafkaEventLog(producer, new StubSchemaRegistry(), Duration.ofSeconds(2))) {

      assertThatThrownBy(() -> log.revocation(request(), fastPath()))
          .isInstanceOf(EventLogUnavailableException.class)
          .hasMessageContaining("not acknowledged");
    }
  }

  private static RevocationSelector selector() {
    return RevocationSelector.newBuilder()
        .setKind(SelectorKind.TOKEN)
        .setValue("jti-1")
        .setIssuedBefore(null)
        .build();
  }

  private static RevocationRequested request() {
    return RevocationRequested.newBuilder()
        .setEventId("request-1")
        .setOccurredAt(NOW)
        .setSelector(selector())
        .setReason(RevocationReason.ADMIN)
        .setRequestedBy("admin:security-console")
        .setDetail("test")
        .setPolicy(PolicyRef.newBuilder().setPolicyId("p").setPolicyVersion("1").build())
        .setForgetAfter(NOW.plusSeconds(900))
        .build();
  }

  private static Revocation fastPath() {
    return Revocation.newBuilder()
        .setEventId("fast-1")
        .setOccurredAt(NOW)
        .setSelector(selector())
        .setReason(RevocationReason.ADMIN)
        .setRequestedBy("admin:security-console")
        .setSourceEventId("request-1")
        .setForgetAfter(NOW.plusSeconds(900))
        .setDetail("test")
        .build();
  }
}
