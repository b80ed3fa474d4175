package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.Alerter;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.Finding;
import io.tokenwatch.anomaly.GrantRules;
import io.tokenwatch.anomaly.GrantWatch;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/** REFRESH_TOKEN_REUSE over the grant signals; purges the per-grant state. */
final class GrantProcessor extends RuleProcessor<GrantSignal, Alert> {
  private final GrantRules rules = new GrantRules();
  private final Duration punctuation;
  private @Nullable KeyValueStore<String, GrantWatch> grants;

  GrantProcessor(
      DetectionSettings settings, Alerter alerter, AnomalyMetrics metrics, Duration punctuation) {
    super(AnomalyTopology.GRANT_INCIDENTS, Function.identity(), settings, alerter, metrics);
    this.punctuation = punctuation;
  }

  @Override
  public void init(ProcessorContext<String, Alert> context) {
    super.init(context);
    KeyValueStore<String, GrantWatch> store = context.getStateStore(AnomalyTopology.GRANT_WATCH);
    grants = store;
    purgeEvery(punctuation, store, watch -> watch.forgetAt(settings));
  }

  @Override
  public void process(Record<String, GrantSignal> record) {
    KeyValueStore<String, GrantWatch> store = requireNonNull(grants, "grants");
    GrantSignal signal = record.value();
    GrantWatch watch = store.get(signal.grantId());
    if (watch == null || watch.forgetAt(settings) < signal.at()) {
      watch = new GrantWatch();
    }
    List<Finding> findings = List.of();
    if (signal instanceof GrantSignal.Minted minted) {
      rules.issued(watch, minted.token());
    } else if (signal instanceof GrantSignal.ReuseRevoked reuse) {
      findings = rules.reuseRevoked(watch, reuse.revocation());
      metrics.evaluated("revocation-requests", signal.at());
    }
    store.put(signal.grantId(), watch);
    emit(findings, record);
  }
}
