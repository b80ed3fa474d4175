package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.Alerter;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.Finding;
import io.tokenwatch.anomaly.Incident;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;
import java.util.function.ToLongFunction;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/**
 * The shared part of the processors that raise alerts: the incident ledger, alerting and the alerts
 * forwarded. Each processor reads its state from the named stores, lets the domain rules update it,
 * writes it back, and forwards the alerts that survive suppression. State past its forget time
 * (event time) is treated as absent when read, and dropped by a stream-time punctuation, so when
 * the punctuation runs changes no alert.
 *
 * @param <V> the records processed
 * @param <O> the records forwarded: alerts, or a type an alert is one kind of
 */
abstract class RuleProcessor<V, O> implements Processor<String, V, String, O> {

  private final String incidentsStore;
  private final Function<Alert, O> output;
  final DetectionSettings settings;
  final Alerter alerter;
  final AnomalyMetrics metrics;
  private @Nullable ProcessorContext<String, O> context;
  private @Nullable KeyValueStore<String, Incident> incidents;

  /**
   * @param incidentsStore the incident ledger of this processor's rules
   * @param output what an alert is forwarded as
   */
  RuleProcessor(
      String incidentsStore,
      Function<Alert, O> output,
      DetectionSettings settings,
      Alerter alerter,
      AnomalyMetrics metrics) {
    this.incidentsStore = incidentsStore;
    this.output = output;
    this.settings = settings;
    this.alerter = alerter;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, O> context) {
    this.context = context;
    this.incidents = context.getStateStore(incidentsStore);
  }

  final ProcessorContext<String, O> ctx() {
    return requireNonNull(context, "context");
  }

  /** Raises {@code findings} through the ledger and forwards the alerts, timed as the trigger. */
  final void emit(List<Finding> findings, Record<String, ?> trigger) {
    KeyValueStore<String, Incident> ledgerStore = requireNonNull(incidents, "incidents");
    Alerter.Ledger ledger =
        new Alerter.Ledger() {
          @Override
          public @Nullable Incident incident(String key) {
            return ledgerStore.get(key);
          }

          @Override
          public void record(String key, Incident incident) {
            ledgerStore.put(key, incident);
          }
        };
    for (Finding finding : findings) {
      Optional<Alert> alert = alerter.raise(finding, ledger);
      if (alert.isEmpty()) {
        metrics.suppressed(finding.rule());
        continue;
      }
      Alert raised = alert.get();
      metrics.alertRaised(raised.rule(), raised.severity(), raised.autoResponse() != null);
      ctx()
          .forward(
              new Record<>(AlertRecords.key(raised), output.apply(raised), trigger.timestamp()));
    }
  }

  /** Schedules the stream-time purge of {@code store} and of the incident ledger. */
  final <S> void purgeEvery(
      Duration interval, KeyValueStore<String, S> store, ToLongFunction<S> forgetAt) {
    purgeEvery(interval, store, forgetAt, LongUnaryOperator.identity());
  }

  /**
   * Schedules the purge of {@code store} and of the incident ledger on stream-time punctuations, of
   * what expired before {@code upTo} of the stream time: a processor that applies its input later
   * than it receives it purges up to what it applied.
   */
  final <S> void purgeEvery(
      Duration interval,
      KeyValueStore<String, S> store,
      ToLongFunction<S> forgetAt,
      LongUnaryOperator upTo) {
    KeyValueStore<String, Incident> ledgerStore = requireNonNull(incidents, "incidents");
    ctx()
        .schedule(
            interval,
            PunctuationType.STREAM_TIME,
            streamTime -> {
              long time = upTo.applyAsLong(streamTime);
              purge(store, forgetAt, time);
              purge(ledgerStore, alerter::forgetAt, time);
            });
  }

  /** Deletes the entries of {@code store} whose forget time is before {@code streamTime}. */
  static <S> void purge(
      KeyValueStore<String, S> store, ToLongFunction<S> forgetAt, long streamTime) {
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, S> all = store.all()) {
      while (all.hasNext()) {
        KeyValue<String, S> next = all.next();
        if (next.value != null && forgetAt.applyAsLong(next.value) < streamTime) {
          expired.add(next.key);
        }
      }
    }
    expired.forEach(store::delete);
  }
}
