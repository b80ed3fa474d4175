package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A finding that survived suppression, with its severity and any automatic response.
 *
 * @param alertId deterministic: {@link #idOf(Rule, String, Instant)} of the rule, what it fired on
 *     and the incident start, so reprocessing or a replay yields the same id
 * @param raisedAt the event time of the trigger (never the wall clock)
 * @param autoResponse what the detector revokes in response, or null when it only alerts
 * @param revision 0 when the incident is raised; each update of it (a later finding that covers
 *     something new) carries the next, under the same id
 * @param covers everything the incident covers so far, sorted ({@link Finding#covers()})
 */
public record Alert(
    String alertId,
    Instant raisedAt,
    Severity severity,
    Finding finding,
    @Nullable Target autoResponse,
    int revision,
    List<String> covers) {

  public Alert {
    requireNonNull(alertId, "alertId");
    requireNonNull(raisedAt, "raisedAt");
    requireNonNull(severity, "severity");
    requireNonNull(finding, "finding");
    if (revision < 0) {
      throw new IllegalArgumentException("revision must not be negative: " + revision);
    }
    covers = List.copyOf(new TreeSet<>(requireNonNull(covers, "covers")));
  }

  /** The first alert of an incident: revision 0, covering what its finding covers. */
  public Alert(
      String alertId,
      Instant raisedAt,
      Severity severity,
      Finding finding,
      @Nullable Target autoResponse) {
    this(alertId, raisedAt, severity, finding, autoResponse, 0, finding.covers());
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
