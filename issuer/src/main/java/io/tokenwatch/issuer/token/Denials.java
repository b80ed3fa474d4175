package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.EventLog;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.Secrets;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records refusals of the token endpoint: counts the metric, writes the {@code IssuanceDenied}
 * event (best effort: the refusal stands even if the event cannot be written) and answers. The one
 * way a grant refuses. Thread-safe.
 */
final class Denials {

  private static final Logger LOG = LoggerFactory.getLogger(Denials.class);

  private final EventLog events;
  private final IssuerMetrics metrics;
  private final Clock clock;

  Denials(EventLog events, IssuerMetrics metrics, Clock clock) {
    this.events = requireNonNull(events, "events");
    this.metrics = requireNonNull(metrics, "metrics");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Records {@code denial} of {@code attempt} and returns the answer to send. */
  TokenResponse refuse(Attempt attempt, Denial denial) {
    metrics.denied(attempt.clientId, denial.metricReason());
    try {
      events.issuanceDenied(
          denial.event(attempt, Secrets.randomUuid().toString(), clock.instant()));
    } catch (EventLogUnavailableException e) {
      metrics.produceFailure("issuance_denied");
      LOG.warn("Could not record a refusal for {}: {}", attempt.clientId, e.getMessage());
    }
    return denial.response();
  }
}
