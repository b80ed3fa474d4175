package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * VALIDATOR_SILENT and VALIDATOR_STALE over validators' status reports, by the detector's wall
 * clock: a validator is silent when no report arrived for {@link
 * ValidatorThresholds#silentAfter(Duration)}, stale when a report says its feed is staler than
 * {@link ValidatorThresholds#maxStaleness()}, or still not ready that long after the validator
 * started (a validator bootstrapping for a moment is not an incident).
 *
 * <p>One alert per episode, not one per check: an episode starts when the condition begins and ends
 * when it does (a report arrives; a report says fresh), and its alert id is a name-based UUID of
 * the rule, the validator and the episode start, so the same episode processed again yields the
 * same id. A silent episode starts at the time of the validator's last report (its clock), a stale
 * one at its first stale report. Silence is measured from when the detector heard the validator, or
 * from when the detector started if that is later, so a detector catching up after downtime does
 * not take every validator for silent. Stateless; the state is the {@link ValidatorWatch}.
 */
public final class ValidatorRules {

  private final ValidatorThresholds thresholds;
  private final DetectionSettings settings;

  public ValidatorRules(ValidatorThresholds thresholds, DetectionSettings settings) {
    this.thresholds = requireNonNull(thresholds, "thresholds");
    this.settings = requireNonNull(settings, "settings");
  }

  /** The thresholds. */
  public ValidatorThresholds thresholds() {
    return thresholds;
  }

  /**
   * A report arrived at {@code now} (the detector's clock): it ends a silent episode, starts or
   * ends a stale one. Returns the VALIDATOR_STALE alert of an episode it starts.
   *
   * @param watch the validator's state, updated in place; a fresh one for a validator not seen
   */
  public Optional<Alert> onReport(ValidatorWatch watch, ValidatorReport report, Instant now) {
    requireNonNull(watch, "watch");
    requireNonNull(report, "report");
    requireNonNull(now, "now");
    watch.validatorId = report.validatorId();
    watch.audience = report.audience();
    watch.lastEventId = report.eventId();
    watch.lastReportAt = report.occurredAt().toEpochMilli();
    watch.lastHeardAt = Math.max(watch.lastHeardAt, now.toEpochMilli());
    watch.lastSequence = report.sequence();
    watch.intervalMs = report.interval().toMillis();
    watch.ready = report.ready();
    watch.stalenessMs = report.stalenessMs();
    watch.silentSince = null;
    boolean stale = report.staleForMs() > thresholds.maxStaleness().toMillis();
    if (!stale) {
      watch.staleSince = null;
      return Optional.empty();
    }
    if (watch.staleSince != null) {
      return Optional.empty();
    }
    watch.staleSince = watch.lastReportAt;
    return Optional.of(staleAlert(report));
  }

  /**
   * A check at {@code now}: returns the VALIDATOR_SILENT alert when the validator has just become
   * silent; nothing while it stays silent.
   *
   * @param startedAt when the detector started checking; silence is counted from it at the earliest
   */
  public Optional<Alert> onCheck(ValidatorWatch watch, Instant now, Instant startedAt) {
    requireNonNull(watch, "watch");
    requireNonNull(now, "now");
    requireNonNull(startedAt, "startedAt");
    if (watch.silentSince != null) {
      return Optional.empty();
    }
    long heard = Math.max(watch.lastHeardAt, startedAt.toEpochMilli());
    Duration silentAfter = thresholds.silentAfter(Duration.ofMillis(Math.max(1, watch.intervalMs)));
    long silentFor = now.toEpochMilli() - heard;
    if (silentFor < silentAfter.toMillis()) {
      return Optional.empty();
    }
    watch.silentSince = watch.lastReportAt;
    return Optional.of(silentAlert(watch, now, silentFor, silentAfter));
  }

  /** Whether the validator has been silent so long that what is known of it may go. */
  public boolean forgettable(ValidatorWatch watch, Instant now) {
    return now.toEpochMilli() - watch.lastHeardAt > thresholds.forgetAfter().toMillis();
  }

  private Alert silentAlert(ValidatorWatch watch, Instant now, long silentFor, Duration after) {
    Instant lastReport = Instant.ofEpochMilli(watch.lastReportAt);
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("validator_id", watch.validatorId);
    if (watch.audience != null) {
      observed.put("audience", watch.audience);
    }
    observed.put("last_report_at", lastReport.toString());
    observed.put("last_sequence", Long.toString(watch.lastSequence));
    observed.put("interval_ms", Long.toString(watch.intervalMs));
    observed.put("silent_for_ms", Long.toString(silentFor));
    Instant raised = now.isBefore(lastReport) ? lastReport : now;
    Finding finding =
        new Finding(
            Rule.VALIDATOR_SILENT,
            watch.validatorId,
            null,
            null,
            null,
            null,
            "Validator "
                + watch.validatorId
                + " sent no status report for "
                + silentFor / 1000
                + " s (it reports every "
                + watch.intervalMs
                + " ms)",
            new Evidence(
                List.of(watch.lastEventId),
                1,
                lastReport,
                raised,
                observed,
                Map.of("silent_after_ms", Long.toString(after.toMillis()))),
            null);
    return alert(finding, lastReport, raised);
  }

  private Alert staleAlert(ValidatorReport report) {
    Map<String, String> observed = new LinkedHashMap<>();
    observed.put("validator_id", report.validatorId());
    if (report.audience() != null) {
      observed.put("audience", report.audience());
    }
    observed.put("ready", Boolean.toString(report.ready()));
    if (report.stalenessMs() != null) {
      observed.put("staleness_ms", Long.toString(report.stalenessMs()));
    }
    observed.put("started_at", report.startedAt().toString());
    observed.put("sequence", Long.toString(report.sequence()));
    String summary =
        report.ready() && report.stalenessMs() != null
            ? "Validator "
                + report.validatorId()
                + " reports its revocation feed "
                + report.stalenessMs() / 1000
                + " s stale (budget "
                + thresholds.maxStaleness().toSeconds()
                + " s)"
            : "Validator "
                + report.validatorId()
                + " reports its revocation feed not ready "
                + report.staleForMs() / 1000
                + " s after it started";
    Finding finding =
        new Finding(
            Rule.VALIDATOR_STALE,
            report.validatorId(),
            null,
            null,
            null,
            null,
            summary,
            new Evidence(
                List.of(report.eventId()),
                1,
                report.occurredAt(),
                report.occurredAt(),
                observed,
                Map.of("max_staleness_ms", Long.toString(thresholds.maxStaleness().toMillis()))),
            null);
    return alert(finding, report.occurredAt(), report.occurredAt());
  }

  private Alert alert(Finding finding, Instant episodeStart, Instant raisedAt) {
    return new Alert(
        Alert.idOf(finding.rule(), finding.incidentKey(), episodeStart),
        raisedAt,
        settings.severity(finding.rule()),
        finding,
        null);
  }
}
