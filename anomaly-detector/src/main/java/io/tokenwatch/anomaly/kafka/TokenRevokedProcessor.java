package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.TokenRules;
import io.tokenwatch.anomaly.TokenWatch;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.jspecify.annotations.Nullable;

/**
 * Revocations of one token, re-keyed by token id, into the per-token state; raises nothing itself
 * (a later use of the token does).
 */
final class TokenRevokedProcessor implements Processor<String, TokenRevoked, Void, Void> {
  private final DetectionSettings settings;
  private final TokenRules rules;
  private final AnomalyMetrics metrics;
  private @Nullable TokenWatches tokens;

  TokenRevokedProcessor(DetectionSettings settings, AnomalyMetrics metrics) {
    this.settings = settings;
    this.rules = new TokenRules(settings);
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    tokens = TokenWatches.of(context, settings);
  }

  @Override
  public void process(Record<String, TokenRevoked> record) {
    TokenWatches store = requireNonNull(tokens, "tokens");
    TokenRevoked revoked = record.value();
    TokenWatch watch = store.read(record.key(), revoked.at());
    rules.revoked(watch, revoked.eventId(), revoked.at());
    store.write(record.key(), watch);
    metrics.evaluated("revocations", revoked.at().toEpochMilli());
  }
}
