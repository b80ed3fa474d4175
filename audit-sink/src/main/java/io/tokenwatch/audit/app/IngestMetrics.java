package io.tokenwatch.audit.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.kafka.IngestListener;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink's own meters: {@code tokenwatch.audit.ingested{result=stored|duplicate|dead_letter}},
 * {@code tokenwatch.audit.batch} (time to store a batch), {@code tokenwatch.audit.batch.failures},
 * {@code tokenwatch.audit.checkpoints} and {@code tokenwatch.audit.checkpoint.last} (number and
 * age). Consumer lag comes from Micrometer's Kafka client binder ({@code
 * kafka.consumer.fetch.manager.records.lag.max}).
 */
final class IngestMetrics implements IngestListener {

  private final Counter stored;
  private final Counter duplicates;
  private final Counter deadLetters;
  private final Counter failures;
  private final Counter checkpoints;
  private final Timer batches;
  private final AtomicLong lastCheckpoint = new AtomicLong();
  private final AtomicLong lastCheckpointAt = new AtomicLong();

  IngestMetrics(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    stored = ingested(registry, "stored");
    duplicates = ingested(registry, "duplicate");
    deadLetters = ingested(registry, "dead_letter");
    failures =
        Counter.builder("tokenwatch.audit.batch.failures")
            .description("Batches that could not be stored and are read again")
            .register(registry);
    checkpoints =
        Counter.builder("tokenwatch.audit.checkpoints")
            .description("Signed checkpoints written")
            .register(registry);
    batches =
        Timer.builder("tokenwatch.audit.batch")
            .description("Time to store one batch (one transaction)")
            .register(registry);
    Gauge.builder("tokenwatch.audit.checkpoint.last", lastCheckpoint, Number::doubleValue)
        .description("Number of the last signed checkpoint")
        .register(registry);
    Gauge.builder(
            "tokenwatch.audit.checkpoint.last.created",
            lastCheckpointAt,
            value -> value.get() / 1000.0)
        .description("When the last signed checkpoint was created, in seconds since the epoch")
        .register(registry);
  }

  private static Counter ingested(MeterRegistry registry, String result) {
    return Counter.builder("tokenwatch.audit.ingested")
        .description("Events consumed, by what became of them")
        .tag("result", result)
        .register(registry);
  }

  @Override
  public void batchStored(int storedCount, int duplicateCount, int deadLettered, long nanos) {
    stored.increment(storedCount);
    duplicates.increment(duplicateCount);
    deadLetters.increment(deadLettered);
    batches.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void checkpointed(Checkpoint checkpoint) {
    checkpoints.increment();
    lastCheckpoint.set(checkpoint.number());
    lastCheckpointAt.set(checkpoint.createdAt());
  }

  @Override
  public void batchFailed(Exception error) {
    failures.increment();
  }
}
