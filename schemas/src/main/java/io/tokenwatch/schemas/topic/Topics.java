package io.tokenwatch.schemas.topic;

import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AlertAction;
import io.tokenwatch.events.AuditCheckpoint;
import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.PolicyChanged;
import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.ValidatorStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every topic Tokenwatch uses, declared once. Components take names, types and settings from here;
 * the ensure-topics step makes a cluster match it; the README's topic table is checked against it.
 */
public final class Topics {

  private static final Duration AUDIT_RETENTION = Duration.ofDays(90);

  /** Every issued access token; the registry of live tokens is built from it. */
  public static final Topic<String, TokenIssued> TOKEN_ISSUED =
      new Topic<>(
          "tokenwatch.token-issued",
          String.class,
          TokenIssued.class,
          new TopicSpec(6, CleanupPolicy.DELETE, AUDIT_RETENTION),
          "token id (jti)",
          "issuer -> revocation-stream, anomaly-detector, audit-sink");

  /** Every refused issuance, with what was asked and what policy allows. */
  public static final Topic<String, IssuanceDenied> ISSUANCE_DENIED =
      new Topic<>(
          "tokenwatch.issuance-denied",
          String.class,
          IssuanceDenied.class,
          new TopicSpec(3, CleanupPolicy.DELETE, AUDIT_RETENTION),
          "client id",
          "issuer -> anomaly-detector, audit-sink");

  /** Every validator decision on a presented token, allowed or denied. */
  public static final Topic<String, TokenUsed> TOKEN_USED =
      new Topic<>(
          "tokenwatch.token-used",
          String.class,
          TokenUsed.class,
          new TopicSpec(6, CleanupPolicy.DELETE, Duration.ofDays(30)),
          "token id (jti)",
          "validators -> revocation-stream, anomaly-detector, audit-sink");

  /** Requests to revoke by selector, from admins, clients and the detector's auto-response. */
  public static final Topic<String, RevocationRequested> REVOCATION_REQUESTS =
      new Topic<>(
          "tokenwatch.revocation-requests",
          String.class,
          RevocationRequested.class,
          new TopicSpec(3, CleanupPolicy.DELETE, AUDIT_RETENTION),
          "selector (`token:<jti>`, `grant:<id>`, `subject:<sub>`, ...)",
          "issuer, admins, anomaly-detector -> revocation-stream, audit-sink");

  /**
   * The revocation feed validators subscribe to. Compacted: one live record per selector, and a
   * tombstone once everything it revokes has expired. It has exactly one writer per key, the
   * revocation stream's task that owns the key, which merges every request into what it wrote
   * before: compaction keeps the last record per key, so the last one must be the strongest ever
   * written for it (docs/TOKENS.md).
   */
  public static final Topic<String, Revocation> REVOCATIONS =
      new Topic<>(
          "tokenwatch.revocations",
          String.class,
          Revocation.class,
          new TopicSpec(3, CleanupPolicy.COMPACT, Duration.ofDays(1)),
          "selector (`token:<jti>`, `grant:<id>`, `subject:<sub>`, ...)",
          "revocation-stream -> validators, issuer, anomaly-detector, audit-sink");

  /**
   * The issuer's revocations, written the moment it accepts them so validators deny at once, before
   * the revocation stream has processed the request. Not compacted: validators keep the strongest
   * record they read for a key until its {@code forget_after}, and tombstones on the feed do not
   * remove them. Its retention must outlast both the longest token lifetime and any outage of the
   * revocation stream (whose record on the feed takes over).
   */
  public static final Topic<String, Revocation> REVOCATION_FAST_PATH =
      new Topic<>(
          "tokenwatch.revocation-fast-path",
          String.class,
          Revocation.class,
          new TopicSpec(3, CleanupPolicy.DELETE, Duration.ofDays(7)),
          "selector (`token:<jti>`, `grant:<id>`, `subject:<sub>`, ...)",
          "issuer -> validators, issuer");

  /** Alerts raised by the anomaly detector, keyed so one subject's alerts stay in order. */
  public static final Topic<String, SecurityAlert> SECURITY_ALERTS =
      new Topic<>(
          "tokenwatch.security-alerts",
          String.class,
          SecurityAlert.class,
          new TopicSpec(3, CleanupPolicy.DELETE, Duration.ofDays(365)),
          "subject",
          "anomaly-detector -> security teams, audit-sink");

  /**
   * Refresh token rotation state, one live record per grant (compacted), written and followed by
   * every issuer instance so rotation survives restarts and reuse is seen across instances.
   */
  public static final Topic<String, RefreshGrantChanged> REFRESH_GRANTS =
      new Topic<>(
          "tokenwatch.refresh-grants",
          String.class,
          RefreshGrantChanged.class,
          new TopicSpec(3, CleanupPolicy.COMPACT, Duration.ofDays(1)),
          "grant id",
          "issuer -> issuer, audit-sink");

  /**
   * Consents people gave clients to act for them. Kept for a year, longer than any consent may
   * last, so an issuer that starts reads every consent still in force.
   */
  public static final Topic<String, ConsentGranted> CONSENTS =
      new Topic<>(
          "tokenwatch.consents",
          String.class,
          ConsentGranted.class,
          new TopicSpec(3, CleanupPolicy.DELETE, Duration.ofDays(365)),
          "user",
          "issuer -> issuer, audit-sink");

  /**
   * Consents ended before their expiry. Each comes with one revocation of the consent's grant on
   * the revocation topics; this topic says who ended it and why.
   */
  public static final Topic<String, ConsentWithdrawn> CONSENT_WITHDRAWALS =
      new Topic<>(
          "tokenwatch.consent-withdrawals",
          String.class,
          ConsentWithdrawn.class,
          new TopicSpec(3, CleanupPolicy.DELETE, Duration.ofDays(365)),
          "user",
          "issuer -> issuer, audit-sink");

  /**
   * Access requests and their approvals, one live record per request (compacted). Every record
   * carries the request's whole state, so a reader that sees only the last one per key misses
   * nothing; the audit sink keeps every change.
   */
  public static final Topic<String, AccessRequestChanged> ACCESS_REQUESTS =
      new Topic<>(
          "tokenwatch.access-requests",
          String.class,
          AccessRequestChanged.class,
          new TopicSpec(3, CleanupPolicy.COMPACT, Duration.ofDays(1)),
          "request id",
          "issuer -> issuer, audit-sink");

  /**
   * Every policy version that came into force, in order (one partition), with its full document so
   * any version can be restored. Never compacted: the history is the audit trail.
   */
  public static final Topic<String, PolicyChanged> POLICY_CHANGES =
      new Topic<>(
          "tokenwatch.policy-changes",
          String.class,
          PolicyChanged.class,
          new TopicSpec(1, CleanupPolicy.DELETE, Duration.ofDays(3650)),
          "policy id",
          "issuer -> issuer, audit-sink");

  /**
   * The audit sink's signed checkpoints of its hash chains, so their heads live outside the store
   * they vouch for.
   */
  public static final Topic<String, AuditCheckpoint> AUDIT_CHECKPOINTS =
      new Topic<>(
          "tokenwatch.audit-checkpoints",
          String.class,
          AuditCheckpoint.class,
          new TopicSpec(1, CleanupPolicy.DELETE, Duration.ofDays(3650)),
          "signing key id",
          "audit-sink -> auditors");

  /**
   * Records no component could process, byte for byte as they came, with headers naming the source
   * topic, partition, offset and the error.
   */
  public static final Topic<byte[], byte[]> DEAD_LETTERS =
      new Topic<>(
          "tokenwatch.dead-letters",
          byte[].class,
          byte[].class,
          new TopicSpec(1, CleanupPolicy.DELETE, Duration.ofDays(30)),
          "the original key",
          "every consumer -> operators");

  /**
   * Every validator's periodic status report (feed positions, staleness, revocations applied since
   * its previous report). Compacted so a reader that starts finds the latest report of every
   * validator without reading a day of heartbeats, and deleted after a day so a validator gone for
   * good leaves the topic; the uncompacted head keeps about the last hour of reports, the recent
   * history of propagation times.
   */
  public static final Topic<String, ValidatorStatus> VALIDATOR_STATUS =
      new Topic<>(
          "tokenwatch.validator-status",
          String.class,
          ValidatorStatus.class,
          new TopicSpec(3, CleanupPolicy.COMPACT_DELETE, Duration.ofDays(1)),
          "validator id",
          "validators -> anomaly-detector, console");

  /**
   * What people did about alerts in the console (acknowledged, assigned, suppressed), keyed by
   * alert so one alert's actions stay in order. Every console instance reads it from the start to
   * show an alert's state, so it is kept as long as the alerts themselves.
   */
  public static final Topic<String, AlertAction> ALERT_ACTIONS =
      new Topic<>(
          "tokenwatch.alert-actions",
          String.class,
          AlertAction.class,
          new TopicSpec(3, CleanupPolicy.DELETE, Duration.ofDays(365)),
          "alert id",
          "console -> console, audit-sink");

  /**
   * The Shared Signals transmitter's streams (SSF), one live record per stream id: the stream's
   * configuration as JSON, a tombstone once deleted. Read whole by every transmitter instance.
   */
  public static final Topic<String, byte[]> SIGNAL_STREAMS =
      new Topic<>(
          "tokenwatch.ssf-streams",
          String.class,
          byte[].class,
          new TopicSpec(1, CleanupPolicy.COMPACT, Duration.ofDays(1)),
          "stream id (value: the stream's configuration, JSON)",
          "shared-signals -> shared-signals");

  /**
   * Security Event Tokens waiting for their receivers, keyed by stream so one stream's SETs stay in
   * order on one partition. The value is the signed SET itself ({@code application/secevent+jwt}).
   * Kept for a week, longer than a stream may hold undelivered SETs before it is disabled.
   */
  public static final Topic<String, byte[]> SIGNAL_EVENTS =
      new Topic<>(
          "tokenwatch.ssf-events",
          String.class,
          byte[].class,
          new TopicSpec(3, CleanupPolicy.DELETE, Duration.ofDays(7)),
          "stream id (value: the signed SET, `application/secevent+jwt`)",
          "shared-signals -> shared-signals");

  /**
   * How far each stream's receiver has received its SETs (JSON: the next offset to deliver and the
   * SETs acknowledged beyond it), one live record per stream, so any instance resumes where another
   * stopped.
   */
  public static final Topic<String, byte[]> SIGNAL_DELIVERY =
      new Topic<>(
          "tokenwatch.ssf-delivery",
          String.class,
          byte[].class,
          new TopicSpec(3, CleanupPolicy.COMPACT, Duration.ofDays(1)),
          "stream id (value: how far its receiver got, JSON)",
          "shared-signals -> shared-signals");

  /** The catalogue, in the order the README lists it. */
  public static final List<Topic<?, ?>> ALL =
      List.of(
          TOKEN_ISSUED,
          ISSUANCE_DENIED,
          TOKEN_USED,
          REVOCATION_REQUESTS,
          REVOCATIONS,
          REVOCATION_FAST_PATH,
          SECURITY_ALERTS,
          REFRESH_GRANTS,
          CONSENTS,
          CONSENT_WITHDRAWALS,
          ACCESS_REQUESTS,
          POLICY_CHANGES,
          AUDIT_CHECKPOINTS,
          DEAD_LETTERS,
          VALIDATOR_STATUS,
          ALERT_ACTIONS,
          SIGNAL_STREAMS,
          SIGNAL_EVENTS,
          SIGNAL_DELIVERY);

  private Topics() {}

  /** The catalogue's topic of that name. */
  public static Optional<Topic<?, ?>> byName(String name) {
    return ALL.stream().filter(topic -> topic.name().equals(name)).findFirst();
  }

  /** The topic table of the README, generated from the catalogue. */
  public static String markdownTable() {
    StringBuilder table = new StringBuilder();
    table.append(
        "| topic | key | value | cleanup | partitions | retention | writers -> readers |\n");
    table.append("|---|---|---|---|---|---|---|\n");
    for (Topic<?, ?> topic : ALL) {
      TopicSpec spec = topic.spec();
      table
          .append("| `")
          .append(topic.name())
          .append("` | ")
          .append(topic.key())
          .append(" | ")
          .append(topic.valueSchema().isPresent() ? "`" + topic.valueTypeName() + "`" : "raw bytes")
          .append(" | ")
          .append(spec.cleanupPolicy().configValue())
          .append(" | ")
          .append(spec.partitions())
          .append(" | ")
          .append(spec.cleanupPolicy() == CleanupPolicy.COMPACT ? "tombstones " : "")
          .append(spec.retention().toDays())
          .append(" d | ")
          .append(topic.flow())
          .append(" |\n");
    }
    return table.toString();
  }
}
