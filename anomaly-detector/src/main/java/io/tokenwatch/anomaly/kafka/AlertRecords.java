package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.Finding;
import io.tokenwatch.anomaly.Target;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.Evidence;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.Severity;
import io.tokenwatch.schemas.revocation.FeedKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The records an alert becomes: the {@link SecurityAlert}, keyed by subject, and the {@link
 * RevocationRequested} of an automatic response, keyed by selector. Every id and time in them
 * derives from the alert, so reprocessing or a replay writes identical records.
 */
public final class AlertRecords {

  /** The {@code requested_by} prefix of automatic responses; the rule id follows. */
  public static final String REQUESTED_BY_PREFIX = "anomaly-detector:";

  private AlertRecords() {}

  /**
   * The key on the alert topic: the subject; for an alert without one, {@code client:<id>}, {@code
   * grant:<id>} or {@code token:<jti>}; for a validator rule, {@code validator:<id>}.
   */
  static String key(Alert alert) {
    Finding f = alert.finding();
    if (f.rule().watchesValidators()) {
      return "validator:" + f.incidentKey();
    }
    if (f.subject() != null) {
      return f.subject();
    }
    if (f.clientId() != null) {
      return "client:" + f.clientId();
    }
    if (f.grantId() != null) {
      return "grant:" + f.grantId();
    }
    return "token:" + (f.tokenId() == null ? "" : f.tokenId());
  }

  static SecurityAlert alert(Alert alert) {
    Finding f = alert.finding();
    io.tokenwatch.anomaly.Evidence e = f.evidence();
    return SecurityAlert.newBuilder()
        .setEventId(uuid(alert.alertId() + "|alert" + revisionSuffix(alert)))
        .setOccurredAt(alert.raisedAt())
        .setAlertId(alert.alertId())
        .setRule(AlertRule.valueOf(alert.rule().name()))
        .setSeverity(Severity.valueOf(alert.severity().name()))
        .setSubject(f.subject())
        .setClientId(f.clientId())
        .setTokenId(f.tokenId())
        .setGrantId(f.grantId())
        .setSummary(f.summary())
        .setEvidence(
            Evidence.newBuilder()
                .setEventIds(e.eventIds())
                .setCount(e.count())
                .setFirstSeen(e.firstSeen())
                .setLastSeen(e.lastSeen())
                .setObserved(new TreeMap<>(e.observed()))
                .setThresholds(new TreeMap<>(e.thresholds()))
                .build())
        .setAutoResponse(
            alert.autoResponse() == null ? null : selector(alert.autoResponse(), alert.raisedAt()))
        .setRevision(alert.revision())
        .setCovers(alert.covers())
        .build();
  }

  /** The revocation request of an alert's automatic response, or null when it has none. */
  static @Nullable RevocationRequested response(Alert alert) {
    Target target = alert.autoResponse();
    if (target == null) {
      return null;
    }
    return RevocationRequested.newBuilder()
        .setEventId(uuid(alert.alertId() + "|response" + revisionSuffix(alert)))
        .setOccurredAt(alert.raisedAt())
        .setSelector(selector(target, alert.raisedAt()))
        .setReason(RevocationReason.ANOMALY_AUTO_RESPONSE)
        .setRequestedBy(REQUESTED_BY_PREFIX + alert.rule().name())
        .setDetail(alert.finding().summary() + " (alert " + alert.alertId() + ")")
        .build();
  }

  /** The feed key of a selector, e.g. {@code token:<jti>}. */
  static String selectorKey(Target target) {
    return FeedKey.of(target.kind(), target.value());
  }

  /**
   * A token is revoked outright; a grant, subject or client only for tokens issued before the alert
   * (a watermark), so the owner can obtain fresh tokens once the incident is handled.
   */
  private static RevocationSelector selector(Target target, Instant at) {
    return RevocationSelector.newBuilder()
        .setKind(SelectorKind.valueOf(target.kind().name()))
        .setValue(target.value())
        .setIssuedBefore(target.kind() == Target.Kind.TOKEN ? null : at.plusMillis(1))
        .build();
  }

  /** Nothing for an incident's first alert (its ids are as before updates existed). */
  private static String revisionSuffix(Alert alert) {
    return alert.revision() == 0 ? "" : "|" + alert.revision();
  }

  private static String uuid(String identity) {
    return UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
