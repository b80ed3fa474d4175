package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.ValidatorRules;
import io.tokenwatch.anomaly.ValidatorWatch;
import io.tokenwatch.events.ValidatorStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/**
 * The validator rules over {@code tokenwatch.validator-status}, keyed by validator id: each report
 * updates the validator's state in {@value AnomalyTopology#VALIDATOR_WATCH} (and may start a stale
 * episode); a wall-clock punctuation every {@code check-interval} looks for validators that went
 * silent and drops those silent past {@code forget-after}. Wall clock, not stream time: silence is
 * the absence of records, which stream time, advanced only by records, cannot see.
 */
final class ValidatorStatusProcessor implements Processor<String, ValidatorStatus, String, Alert> {

  private final ValidatorRules rules;
  private final AnomalyMetrics metrics;
  private @Nullable ProcessorContext<String, Alert> context;
  private @Nullable KeyValueStore<String, ValidatorWatch> store;
  private Instant startedAt = Instant.EPOCH;

  ValidatorStatusProcessor(ValidatorRules rules, AnomalyMetrics metrics) {
    this.rules = requireNonNull(rules, "rules");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    this.context = context;
    this.store = context.getStateStore(AnomalyTopology.VALIDATOR_WATCH);
    this.startedAt = Instant.ofEpochMilli(context.currentSystemTimeMs());
    context.schedule(
        rules.thresholds().checkInterval(), PunctuationType.WALL_CLOCK_TIME, this::check);
  }

  @Override
  public void process(Record<String, ValidatorStatus> record) {
    ValidatorStatus status = record.value();
    metrics.evaluated("validator-status", status.getOccurredAt().toEpochMilli());
    KeyValueStore<String, ValidatorWatch> watches = requireNonNull(store, "store");
    ValidatorWatch watch = watches.get(record.key());
    if (watch == null) {
      watch = new ValidatorWatch();
    }
    Optional<Alert> alert =
        rules.onReport(watch, Events.report(status), Instant.ofEpochMilli(now()));
    watches.put(record.key(), watch);
    alert.ifPresent(a -> forward(a, record.timestamp()));
  }

  private void check(long wallClock) {
    KeyValueStore<String, ValidatorWatch> watches = requireNonNull(store, "store");
    Instant now = Instant.ofEpochMilli(wallClock);
    List<KeyValue<String, ValidatorWatch>> changed = new ArrayList<>();
    List<String> forgotten = new ArrayList<>();
    List<Alert> alerts = new ArrayList<>();
    try (KeyValueIterator<String, ValidatorWatch> all = watches.all()) {
      while (all.hasNext()) {
        KeyValue<String, ValidatorWatch> next = all.next();
        ValidatorWatch watch = next.value;
        if (watch == null) {
          continue;
        }
        if (rules.forgettable(watch, now)) {
          forgotten.add(next.key);
          continue;
        }
        Optional<Alert> alert = rules.onCheck(watch, now, startedAt);
        if (alert.isPresent()) {
          alerts.add(alert.get());
          changed.add(KeyValue.pair(next.key, watch));
        }
      }
    }
    changed.forEach(kv -> watches.put(kv.key, kv.value));
    forgotten.forEach(watches::delete);
    alerts.forEach(alert -> forward(alert, wallClock));
  }

  private void forward(Alert alert, long timestamp) {
    metrics.alertRaised(alert.rule(), alert.severity(), false);
    requireNonNull(context, "context")
        .forward(new Record<>(AlertRecords.key(alert), alert, timestamp));
  }

  private long now() {
    return requireNonNull(context, "context").currentSystemTimeMs();
  }
}
