package io.tokenwatch.console.alerts;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One security alert as the overview shows it. Every text comes from events an attacker can shape
 * (client ids, subjects, observed values): pages escape it.
 *
 * @param alertId the detector's deterministic id (a re-raised alert has the same one)
 * @param occurredAt when the detector raised it
 * @param rule the rule's name ({@code UNFAMILIAR_CLIENT}, ...)
 * @param severity {@code LOW} to {@code CRITICAL}, or {@code UNKNOWN}
 * @param observed what the rule observed, by name, sorted
 * @param thresholds the thresholds crossed, by name, sorted
 * @param revision 0 when the incident was raised; its updates carry the next (same alert id)
 * @param covers what the incident covers so far ({@code subject:...}, {@code token:...}, ...)
 */
public record Alert(
    String alertId,
    Instant occurredAt,
    String rule,
    String severity,
    @Nullable String subject,
    @Nullable String clientId,
    @Nullable String tokenId,
    @Nullable String grantId,
    String summary,
    long count,
    Instant firstSeen,
    Instant lastSeen,
    Map<String, String> observed,
    Map<String, String> thresholds,
    int revision,
    List<String> covers) {

  public Alert {
    requireNonNull(alertId, "alertId");
    requireNonNull(occurredAt, "occurredAt");
    requireNonNull(rule, "rule");
    requireNonNull(severity, "severity");
    requireNonNull(summary, "summary");
    requireNonNull(firstSeen, "firstSeen");
    requireNonNull(lastSeen, "lastSeen");
    observed = new TreeMap<>(observed);
    thresholds = new TreeMap<>(thresholds);
    covers = List.copyOf(covers);
  }

  /** An incident's first alert, covering nothing listed. */
  public Alert(
      String alertId,
      Instant occurredAt,
      String rule,
      String severity,
      @Nullable String subject,
      @Nullable String clientId,
      @Nullable String tokenId,
      @Nullable String grantId,
      String summary,
      long count,
      Instant firstSeen,
      Instant lastSeen,
      Map<String, String> observed,
      Map<String, String> thresholds) {
    this(
        alertId,
        occurredAt,
        rule,
        severity,
        subject,
        clientId,
        tokenId,
        grantId,
        summary,
        count,
        firstSeen,
        lastSeen,
        observed,
        thresholds,
        0,
        List.of());
  }

  /** Whether {@code other} is a later state of the same incident than this one. */
  public boolean supersededBy(Alert other) {
    return other.revision > revision
        || (other.revision == revision && !occurredAt.isAfter(other.occurredAt));
  }

  /** The CSS class of the severity badge; {@code UNKNOWN} is shown as high (the schema says so). */
  public String severityClass() {
    return switch (severity) {
      case "LOW" -> "severity-low";
      case "MEDIUM" -> "severity-medium";
      case "CRITICAL" -> "severity-critical";
      default -> "severity-high";
    };
  }
}
