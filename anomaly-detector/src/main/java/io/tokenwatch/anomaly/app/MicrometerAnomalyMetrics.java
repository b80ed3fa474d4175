package io.tokenwatch.anomaly.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.Severity;
import io.tokenwatch.anomaly.kafka.AnomalyMetrics;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Reports the topology's events as Micrometer meters: {@value #ALERTS} by rule, severity and
 * auto-response, {@value #SUPPRESSED} by rule, {@value #DEAD_LETTERS} by topic and error, {@value
 * #LATE_SIGNALS} by source, and {@value #LAG} (wall clock at evaluation minus the event's time, by
 * input).
 */
final class MicrometerAnomalyMetrics implements AnomalyMetrics {

  static final String ALERTS = "tokenwatch.anomaly.alerts";
  static final String SUPPRESSED = "tokenwatch.anomaly.suppressed";
  static final String DEAD_LETTERS = "tokenwatch.anomaly.dead.letters";
  static final String LAG = "tokenwatch.anomaly.evaluation.lag";
  static final String LATE_SIGNALS = "tokenwatch.anomaly.late.signals";

  private final MeterRegistry registry;
  private final Clock clock;
  private final ConcurrentMap<String, DistributionSummary> lag = new ConcurrentHashMap<>();

  MicrometerAnomalyMetrics(MeterRegistry registry, Clock clock) {
    this.registry = requireNonNull(registry, "registry");
    this.clock = requireNonNull(clock, "clock");
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
  public void evaluated(String input, long eventTimeMs) {
    lag.computeIfAbsent(
            input,
            name ->
                DistributionSummary.builder(LAG)
                    .description(
                        "Milliseconds from an event's occurred_at to its evaluation by the rules")
                    .baseUnit("milliseconds")
                    .tag("input", name)
                    .publishPercentiles(0.5, 0.99)
                    .register(registry))
        .record((double) Math.max(0, clock.millis() - eventTimeMs));
  }

  @Override
  public void alertRaised(Rule rule, Severity severity, boolean autoResponse) {
    Counter.builder(ALERTS)
        .description("Alerts raised")
        .tag("rule", rule.name())
        .tag("severity", severity.name())
        .tag("auto_response", Boolean.toString(autoResponse))
        .register(registry)
        .increment();
  }

  @Override
  public void suppressed(Rule rule) {
    Counter.builder(SUPPRESSED)
        .description("Findings suppressed as repeats of an incident that already alerted")
        .tag("rule", rule.name())
        .register(registry)
        .increment();
  }

  @Override
  public void lateSignal(String source) {
    Counter.builder(LATE_SIGNALS)
        .description("Events too late on their partition for the per-client rules")
        .tag("source", source)
        .register(registry)
        .increment();
  }
}
