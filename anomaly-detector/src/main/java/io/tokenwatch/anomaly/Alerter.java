package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Turns findings into alerts: suppresses repeats of one incident, sets the rule's severity and
 * decides the automatic response. An incident (rule and incident key) alerts once; its later
 * findings are suppressed, and extend the suppression, while they come less than the suppression
 * window apart in event time. Thread-safe.
 */
public final class Alerter {

  /** Where the last finding of each incident is remembered (event time, epoch ms). */
  public interface Ledger {
    @Nullable Long lastFinding(String incident);

    void recordFinding(String incident, long at);
  }

  private final DetectionSettings settings;
  private final AutoResponsePolicy response;

  public Alerter(DetectionSettings settings, AutoResponsePolicy response) {
    this.settings = requireNonNull(settings, "settings");
    this.response = requireNonNull(response, "response");
  }

  /** The key of {@code finding}'s incident in the ledger. */
  public static String incident(Finding finding) {
    return finding.rule().name() + "|" + finding.incidentKey();
  }

  /** The alert for {@code finding}, or empty when its incident already alerted. */
  public Optional<Alert> raise(Finding finding, Ledger ledger) {
    String incident = incident(finding);
    long at = finding.evidence().lastSeen().toEpochMilli();
    Long last = ledger.lastFinding(incident);
    ledger.recordFinding(incident, last == null ? at : Math.max(last, at));
    if (last != null && Math.abs(at - last) < settings.suppression().toMillis()) {
      return Optional.empty();
    }
    Severity severity = settings.severity(finding.rule());
    return Optional.of(
        new Alert(
            Alert.idOf(finding.rule(), finding.incidentKey(), finding.evidence().firstSeen()),
            finding.evidence().lastSeen(),
            severity,
            finding,
            finding.response() != null && response.responds(finding.rule(), severity)
                ? finding.response()
                : null));
  }

  /** Event time (epoch ms) from which a ledger entry last written at {@code at} may go. */
  public long forgetAt(long at) {
    return at + settings.suppression().toMillis();
  }
}
