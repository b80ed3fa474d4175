package io.tokenwatch.revocation.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.revocation.kafka.RevocationMetrics;

/** Reports the topology's events as Micrometer counters. */
final class MicrometerRevocationMetrics implements RevocationMetrics {

  static final String DEAD_LETTERS = "tokenwatch.revocation.dead.letters";
  static final String EMITTED = "tokenwatch.revocation.emitted";
  static final String TOMBSTONES = "tokenwatch.revocation.tombstones";

  private final MeterRegistry registry;
  private final Counter tombstones;

  MicrometerRevocationMetrics(MeterRegistry registry) {
    this.registry = requireNonNull(registry, "registry");
    this.tombstones =
        Counter.builder(TOMBSTONES)
            .description("Expired revocations removed from the feed")
            .register(registry);
  }

  @Override
  public void deadLetter(String sourceTopic, String errorClass) {
    Counter.builder(DEAD_LETTERS)
        .description("Input records sent to the dead-letter topic")
        .tag("topic", sourceTopic)
        .tag("error", errorClass)
        .register(registry)
        .increment();
  }

  @Override
  public void revocationEmitted(String reason) {
    Counter.builder(EMITTED)
        .description("Revocation records written to the feed")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  @Override
  public void tombstoneWritten() {
    tombstones.increment();
  }
}
