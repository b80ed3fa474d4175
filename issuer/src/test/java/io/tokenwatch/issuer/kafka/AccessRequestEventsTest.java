package io.tokenwatch.issuer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.issuer.access.AccessKind;
import io.tokenwatch.issuer.access.AccessOutcome;
import io.tokenwatch.issuer.access.AccessRequest;
import io.tokenwatch.issuer.access.AccessRequests;
import io.tokenwatch.issuer.access.Actor;
import io.tokenwatch.issuer.access.Duty;
import io.tokenwatch.issuer.access.NewAccessRequest;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.policy.PolicyParser;
import io.tokenwatch.issuer.testkit.InMemoryAccessRequestStore;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A request's state written as an {@code AccessRequestChanged} record reads back the same. */
class AccessRequestEventsTest {

  @TempDir Path dir;

  @Test
  void shouldReadBackEveryStateAsDecidedEvenWithAClockFinerThanMilliseconds() throws Exception {
    Path file = dir.resolve("policy.yaml");
    try (InputStream sample = getClass().getResourceAsStream("/sample-policy.yaml")) {
      Files.write(file, sample.readAllBytes());
    }
    MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00.123456789Z"));
    InMemoryAccessRequestStore store = new InMemoryAccessRequestStore();
    try (PolicyHolder policy =
        new PolicyHolder(file, new PolicyParser(Duration.ofHours(1), "https://i"), r -> {})) {
      AccessRequests requests =
          new AccessRequests(store, policy::current, clock, Duration.ofDays(30));
      AccessRequest asked =
          ((AccessOutcome.Changed)
                  requests.request(
                      new Actor("ann", Set.of()),
                      new NewAccessRequest(
                          AccessKind.SCOPE,
                          "orders-service",
                          "https://orders.example.com",
                          List.of("orders:export"),
                          "export",
                          Duration.ofHours(8))))
              .request();
      clock.advance(Duration.ofNanos(1_234_567));
      requests.approve(asked.id(), new Actor("bob", Set.of(Duty.APPROVER)), "ok");
      requests.approve(asked.id(), new Actor("cid", Set.of(Duty.APPROVER)), null);
      requests.review(asked.id(), new Actor("dee", Set.of(Duty.AUDITOR)), "seen");
      requests.cancel(asked.id(), new Actor("ann", Set.of()));
    }

    assertThat(store.saved()).hasSize(5);
    for (AccessRequest state : store.saved()) {
      assertThat(AccessRequestEvents.request(roundTrip(AccessRequestEvents.event(state))))
          .hasValue(state);
    }
  }

  private static AccessRequestChanged roundTrip(AccessRequestChanged event) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
    new SpecificDatumWriter<>(AccessRequestChanged.class).write(event, encoder);
    encoder.flush();
    return new SpecificDatumReader<>(AccessRequestChanged.class)
        .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
  }
}
