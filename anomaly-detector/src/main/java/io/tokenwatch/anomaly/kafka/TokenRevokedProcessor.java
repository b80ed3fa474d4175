package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.TokenWatch;
import org.apache.kafka.streams.processor.api.Record;

/** Revocations of one token, re-keyed by token id, into the per-token state. */
final class TokenRevokedProcessor extends TokenStateProcessor<TokenRevoked> {

  TokenRevokedProcessor(DetectionSettings settings, AnomalyMetrics metrics) {
    super(settings, metrics);
  }

  @Override
  public void process(Record<String, TokenRevoked> record) {
    TokenRevoked revoked = record.value();
    TokenWatch watch = tokens().read(record.key(), revoked.at());
    rules.revoked(watch, revoked.eventId(), revoked.at());
    tokens().write(record.key(), watch);
    metrics.evaluated("revocations", revoked.at().toEpochMilli());
  }
}
