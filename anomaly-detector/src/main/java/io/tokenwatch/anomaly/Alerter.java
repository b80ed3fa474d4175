package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Turns findings into alerts, one per incident: sets the rule's severity and decides the automatic
 * response. An incident (rule and incident key) alerts once, with an id made of the rule, the key
 * and when it began; its later findings, while they come less than the suppression window apart in
 * event time, extend it, and those that cover something it did not (another subject, token, source)
 * update it: the same alert id with the next revision and everything it covers so far. After a
 * quiet gap of the window a new incident (and alert id) begins. Thread-safe.
 */
public final class Alerter {

  /** Where each incident is remembered. */
  public interface Ledger {
    @Nullable Incident incident(String key);

    void record(String key, Incident incident);
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

  /**
   * The alert for {@code finding}: a new incident's first alert, an update of its incident, or
   * empty when the finding adds nothing to an incident already raised.
   */
  public Optional<Alert> raise(Finding finding, Ledger ledger) {
    String key = incident(finding);
    long at = finding.evidence().lastSeen().toEpochMilli();
    Incident open = ledger.incident(key);
    Severity severity = settings.severity(finding.rule());
    if (open == null || Math.abs(at - open.last) >= settings.suppression().toMillis()) {
      Incident begun =
          Incident.begun(finding.evidence().firstSeen().toEpochMilli(), at, finding.covers());
      ledger.record(key, begun);
      return Optional.of(
          new Alert(
              Alert.idOf(finding.rule(), finding.incidentKey(), finding.evidence().firstSeen()),
              finding.evidence().lastSeen(),
              severity,
              finding,
              respond(finding, severity) ? finding.response() : null,
              0,
              begun.covers()));
    }
    open.last = Math.max(open.last, at);
    List<String> added = open.legacy ? List.of() : open.cover(finding.covers());
    if (added.isEmpty()) {
      ledger.record(key, open);
      return Optional.empty();
    }
    open.revision++;
    ledger.record(key, open);
    Target target = finding.response();
    // An update revokes only what it newly covers (a further token), never the incident again.
    boolean respond =
        target != null
            && respond(finding, severity)
            && added.contains(target.kind().name().toLowerCase(Locale.ROOT) + ":" + target.value());
    return Optional.of(
        new Alert(
            Alert.idOf(finding.rule(), finding.incidentKey(), Instant.ofEpochMilli(open.start)),
            finding.evidence().lastSeen(),
            severity,
            finding,
            respond ? target : null,
            open.revision,
            open.covers()));
  }

  private boolean respond(Finding finding, Severity severity) {
    return finding.response() != null && response.responds(finding.rule(), severity);
  }

  /** Event time (epoch ms) from which {@code incident} may go: a later finding begins anew. */
  public long forgetAt(Incident incident) {
    return incident.last + settings.suppression().toMillis();
  }
}
