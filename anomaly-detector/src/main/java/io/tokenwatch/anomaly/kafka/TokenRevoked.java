package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A revocation of exactly one token, keyed by token id through {@value
 * AnomalyTopology#TOKEN_REVOCATIONS_REPARTITION} ({@link SignalSerdes#tokenRevoked()} on the
 * topic).
 *
 * @param eventId the revocation's event id
 * @param at when it was revoked (event time)
 */
record TokenRevoked(String eventId, Instant at) {

  TokenRevoked {
    requireNonNull(eventId, "eventId");
    requireNonNull(at, "at");
  }
}
