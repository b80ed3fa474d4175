package io.tokenwatch.signals.kafka;

import static io.tokenwatch.signals.receiver.UpstreamSets.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.signals.receiver.ReceiverMetrics;
import io.tokenwatch.signals.receiver.RecordingSink;
import io.tokenwatch.signals.receiver.RevocationOrder;
import io.tokenwatch.signals.receiver.SeenSets;
import io.tokenwatch.signals.receiver.SignalReceiver;
import io.tokenwatch.signals.receiver.UpstreamSets;
import io.tokenwatch.signals.receiver.UpstreamTransmitter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The RFC 8936 client against an upstream on real HTTP, with an in-memory sink. */
class UpstreamPollerTest {

  private static final UpstreamSets UPSTREAM = new UpstreamSets();

  private final RecordingSink sink = new RecordingSink();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final UpstreamTransmitter upstream;

  UpstreamPollerTest() throws Exception {
    upstream = new UpstreamTransmitter(UPSTREAM);
    closing.add(upstream);
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private UpstreamPoller start(String authorization, int maxEvents) {
    Clock clock = Clock.systemUTC();
    SignalReceiver receiver =
        new SignalReceiver(
            UPSTREAM.verifier(clock),
            new SeenSets(100, clock),
            sink,
            new ReceiverMetrics(meters),
            clock);
    UpstreamPoller poller =
        new UpstreamPoller(
            new UpstreamPoller.Settings(
                URI.create(upstream.url("/poll")),
                Optional.of(authorization),
                maxEvents,
                true,
                Duration.ofMillis(20),
                Duration.ofSeconds(5)),
            receiver,
            meters);
    closing.add(poller);
    poller.start();
    return poller;
  }

  private String enqueue(String subject) {
    Map<String, Object> claims = claims(subject, Instant.now());
    String jti = (String) claims.get("jti");
    upstream.enqueue(jti, UPSTREAM.sign(claims));
    return jti;
  }

  @Test
  void shouldNeverAcknowledgeASetWhoseRequestIsNotDurableAndActOnItsResend() {
    sink.down = true;
    String jti = enqueue("alice");
    start("Bearer " + UpstreamTransmitter.POLL_TOKEN, 10);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> upstream.deliveries.containsKey(jti) && upstream.deliveries.get(jti).get() >= 3);
    assertThat(upstream.acknowledged()).isEmpty();
    assertThat(upstream.errors).isEmpty();
    assertThat(upstream.pendingCount()).isEqualTo(1);

    sink.down = false;
    await().atMost(Duration.ofSeconds(20)).until(() -> upstream.pendingCount() == 0);
    assertThat(upstream.acknowledged()).containsExactly(jti);
    assertThat(sink.orders).extracting(RevocationOrder::subject).containsExactly("alice");
  }

  @Test
  void shouldPageThroughEverythingPendingWithMaxEvents() {
    List<String> jtis = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      jtis.add(enqueue("user-" + i));
    }
    start("Bearer " + UpstreamTransmitter.POLL_TOKEN, 2);

    await().atMost(Duration.ofSeconds(20)).until(() -> upstream.pendingCount() == 0);
    assertThat(upstream.acknowledged()).containsExactlyInAnyOrderElementsOf(jtis);
    assertThat(sink.orders).hasSize(5);
  }

  @Test
  void shouldKeepPollingAfterTheUpstreamRefusesItsCredentials() {
    enqueue("alice");
    start("Bearer wrong", 10);

    await().atMost(Duration.ofSeconds(20)).until(() -> upstream.unauthorizedPolls.get() >= 3);
    assertThat(meters.find("tokenwatch.ssf.receiver.polls").tag("outcome", "failed").counter())
        .isNotNull()
        .satisfies(counter -> assertThat(counter.count()).isGreaterThanOrEqualTo(2));
    assertThat(sink.orders).isEmpty();
    assertThat(upstream.pendingCount()).isEqualTo(1);
  }
}
