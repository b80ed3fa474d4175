package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.TokenGrant;
import io.tokenwatch.anomaly.TokenRules;
import io.tokenwatch.anomaly.TokenWatch;
import io.tokenwatch.events.TokenIssued;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.jspecify.annotations.Nullable;

/** {@code tokenwatch.token-issued} into the per-token state; raises nothing itself. */
final class TokenIssuedProcessor implements Processor<String, TokenIssued, Void, Void> {
  private final DetectionSettings settings;
  private final TokenRules rules;
  private final AnomalyMetrics metrics;
  private @Nullable TokenWatches tokens;

  TokenIssuedProcessor(DetectionSettings settings, AnomalyMetrics metrics) {
    this.settings = settings;
    this.rules = new TokenRules(settings);
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    tokens = TokenWatches.of(context, settings);
  }

  @Override
  public void process(Record<String, TokenIssued> record) {
    TokenWatches store = requireNonNull(tokens, "tokens");
    TokenGrant grant = Events.grant(record.value());
    TokenWatch watch = store.read(grant.tokenId(), grant.at());
    rules.issued(watch, grant);
    store.write(grant.tokenId(), watch);
    metrics.evaluated("token-issued", grant.at().toEpochMilli());
  }
}
