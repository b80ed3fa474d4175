package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.TokenRules;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.jspecify.annotations.Nullable;

/**
 * The shared part of the processors that only feed the per-token state (issuances, revocations):
 * they raise nothing themselves; a later use of the token does.
 *
 * @param <V> the records processed
 */
abstract class TokenStateProcessor<V> implements Processor<String, V, Void, Void> {
  final DetectionSettings settings;
  final TokenRules rules;
  final AnomalyMetrics metrics;
  private @Nullable TokenWatches tokens;

  TokenStateProcessor(DetectionSettings settings, AnomalyMetrics metrics) {
    this.settings = settings;
    this.rules = new TokenRules(settings);
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    tokens = TokenWatches.of(context, settings);
  }

  final TokenWatches tokens() {
    return requireNonNull(tokens, "tokens");
  }
}
