package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The receiver's meters: {@code tokenwatch.ssf.receiver.sets} counts received SETs by {@code
 * channel} ({@code push}, {@code poll}), {@code outcome} ({@code accepted}, {@code duplicate},
 * {@code ignored}, {@code refused}, {@code unavailable}) and {@code reason} (the refusal reason,
 * the ignored event type's name or {@code unknown_type}, or {@code none}). Thread-safe.
 */
public final class ReceiverMetrics {

  /** The counter's name. */
  public static final String SETS = "tokenwatch.ssf.receiver.sets";

  private final MeterRegistry registry;

  public ReceiverMetrics(MeterRegistry registry) {
    this.registry = requireNonNull(registry, "registry");
  }

  /** Counts one SET (or push request refused before it was read as a SET). */
  public void count(String channel, String outcome, String reason) {
    Counter.builder(SETS)
        .description("Security Event Tokens received from the upstream transmitter")
        .tag("channel", channel)
        .tag("outcome", outcome)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** How many SETs had this channel, outcome and reason so far. */
  public double total(String channel, String outcome, String reason) {
    Counter counter =
        registry
            .find(SETS)
            .tag("channel", channel)
            .tag("outcome", outcome)
            .tag("reason", reason)
            .counter();
    return counter == null ? 0 : counter.count();
  }
}
