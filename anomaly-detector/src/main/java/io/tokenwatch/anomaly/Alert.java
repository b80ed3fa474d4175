package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A finding that survived suppression, with its severity and any automatic response.
 *
 * @param alertId deterministic: {@link #idOf(Rule, String, Instant)} of the rule, what it fired on
 *     and the incident start, so reprocessing or a replay yields the same id
 * @param raisedAt the event time of the trigger (never the wall clock)
 * @param autoResponse what the detector revokes in response, or null when it only alerts
 */
public record Alert(
    String alertId,
    Instant raisedAt,
    Severity severity,
    Finding finding,
    @Nullable Target autoResponse) {

  public Alert {
    requireNonNull(alertId, "alertId");
    requireNonNull(raisedAt, "raisedAt");
    requireNonNull(severity, "severity");
    requireNonNull(finding, "finding");
  }

  public Rule rule() {
    return finding.rule();
  }

  /** A name-based UUID of the rule, the incident key and the incident start. */
  public static String idOf(Rule rule, String incidentKey, Instant incidentStart) {
    requireNonNull(rule, "rule");
    requireNonNull(incidentKey, "incidentKey");
    requireNonNull(incidentStart, "incidentStart");
    String identity = rule.name() + "|" + incidentKey + "|" + incidentStart.toEpochMilli();
    return UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
