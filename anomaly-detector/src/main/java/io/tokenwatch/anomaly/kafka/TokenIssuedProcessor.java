package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.TokenGrant;
import io.tokenwatch.anomaly.TokenWatch;
import io.tokenwatch.events.TokenIssued;
import org.apache.kafka.streams.processor.api.Record;

/** {@code tokenwatch.token-issued} into the per-token state. */
final class TokenIssuedProcessor extends TokenStateProcessor<TokenIssued> {

  TokenIssuedProcessor(DetectionSettings settings, AnomalyMetrics metrics) {
    super(settings, metrics);
  }

  @Override
  public void process(Record<String, TokenIssued> record) {
    TokenGrant grant = Events.grant(record.value());
    TokenWatch watch = tokens().read(grant.tokenId(), grant.at());
    rules.issued(watch, grant);
    tokens().write(grant.tokenId(), watch);
    metrics.evaluated("token-issued", grant.at().toEpochMilli());
  }
}
