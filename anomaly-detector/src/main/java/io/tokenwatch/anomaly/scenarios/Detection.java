package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.events.SecurityAlert;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What a benchmark needs of an alert to judge it: its id, rule, what it names and its time span
 * (the evidence's first and last event).
 */
public record Detection(
    String alertId,
    Rule rule,
    @Nullable String subject,
    @Nullable String clientId,
    @Nullable String tokenId,
    @Nullable String grantId,
    Instant firstSeen,
    Instant lastSeen) {

  public Detection {
    requireNonNull(alertId, "alertId");
    requireNonNull(rule, "rule");
    requireNonNull(firstSeen, "firstSeen");
    requireNonNull(lastSeen, "lastSeen");
  }

  /**
   * The detection an alert on the alert topic describes.
   *
   * @throws IllegalArgumentException for a rule this build does not know ({@code UNKNOWN})
   */
  public static Detection of(SecurityAlert alert) {
    requireNonNull(alert, "alert");
    return new Detection(
        alert.getAlertId(),
        Rule.valueOf(alert.getRule().name()),
        alert.getSubject(),
        alert.getClientId(),
        alert.getTokenId(),
        alert.getGrantId(),
        alert.getEvidence().getFirstSeen(),
        alert.getEvidence().getLastSeen());
  }
}
