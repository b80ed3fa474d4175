package io.tokenwatch.console.alerts;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
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
    Map<String, String> thresholds) {

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
