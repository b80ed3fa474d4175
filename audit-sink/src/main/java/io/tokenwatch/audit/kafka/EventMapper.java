package io.tokenwatch.audit.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.AuditEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.jspecify.annotations.Nullable;

/**
 * Maps a decoded event (a generic record, read with its writer schema) to the audit columns. Fields
 * are looked up by name, so events written with older or newer compatible schemas map too; a field
 * an event lacks leaves its column empty. The full event is kept as JSON.
 *
 * <p>Column mapping per type:
 *
 * <ul>
 *   <li>{@code TokenIssued}: decision {@code ISSUED}, reason the issuance reason, actor {@code
 *       granted_by};
 *   <li>{@code IssuanceDenied}: scopes requested, decision {@code DENIED}, reason the deny reason;
 *   <li>{@code TokenUsed}: client the token's client, scopes required, decision allowed/denied,
 *       reason the deny reason, actor the validator;
 *   <li>{@code RevocationRequested}, {@code Revocation}: the selector's value in the column of its
 *       kind (token or lineage: token id; grant; subject; client; audience), decision {@code
 *       REQUESTED}/{@code REVOKED}, reason the revocation reason, actor {@code requested_by};
 *   <li>{@code SecurityAlert}: decision the severity, reason the rule;
 *   <li>{@code RefreshGrantChanged}: decision the grant status, actor {@code changed_by};
 *   <li>{@code AuditCheckpoint} (not consumed by the sink itself): decision {@code SIGNED}, actor
 *       the key id;
 *   <li>{@code ConsentGranted}: subject the user, grant the consent id (the grant id of every token
 *       issued under it), scopes granted, decision {@code GRANTED}, reason the stated purpose,
 *       actor the user, expiry the consent's;
 *   <li>{@code ConsentWithdrawn}: subject the user, grant the consent id, decision {@code
 *       WITHDRAWN}, reason the withdrawal reason, actor {@code withdrawn_by};
 *   <li>{@code AccessRequestChanged}: client and audience asked for (the requester is in the JSON),
 *       scopes asked for, decision the request's status after the change, reason the change, actor
 *       who made it, policy version the proposed document's digest, expiry the exception's end;
 *   <li>{@code PolicyChanged}: policy id and version (the document's digest, as decisions name it),
 *       decision how it came ({@code FILE_RELOAD}, {@code ROLLBACK}, ...), reason the history
 *       version, actor the author;
 *   <li>{@code AlertAction}: subject and client a suppression covers, decision the action ({@code
 *       ACKNOWLEDGE}, {@code ASSIGN}, {@code SUPPRESS}), reason the person's reason, actor the
 *       person, expiry the suppression's end (the alert id and assignee are in the JSON).
 * </ul>
 *
 * Stateless and thread-safe.
 */
public final class EventMapper {

  private EventMapper() {}

  /**
   * Maps one event.
   *
   * @throws IllegalArgumentException if the record is not an event Tokenwatch knows or lacks an
   *     event id or time
   */
  public static AuditEvent map(GenericRecord record, String topic, int partition, long offset) {
    requireNonNull(record, "record");
    String type = record.getSchema().getName();
    String eventId = string(record, "event_id");
    Long occurredAt = millis(record, "occurred_at");
    if (eventId == null || eventId.isEmpty() || occurredAt == null) {
      throw new IllegalArgumentException(type + " without event_id or occurred_at");
    }
    Row row = new Row();
    switch (type) {
      case "TokenIssued" -> {
        row.subject = string(record, "subject");
        row.client = string(record, "client_id");
        row.token = string(record, "token_id");
        row.grant = string(record, "grant_id");
        row.audience = string(record, "audience");
        row.grantType = string(record, "grant_type");
        row.scopes = strings(record, "scopes");
        row.decision = "ISSUED";
        row.reason = string(record, "reason");
        row.actor = string(record, "granted_by");
        row.expiresAt = millis(record, "expires_at");
        policy(record, row);
      }
      case "IssuanceDenied" -> {
        row.subject = string(record, "subject");
        row.client = string(record, "client_id");
        row.token = string(record, "parent_token_id");
        row.grant = string(record, "grant_id");
        row.audience = string(record, "audience");
        row.grantType = string(record, "grant_type");
        row.scopes = strings(record, "requested_scopes");
        row.decision = "DENIED";
        row.reason = string(record, "reason");
        policy(record, row);
      }
      case "TokenUsed" -> {
        row.subject = string(record, "subject");
        row.client = string(record, "token_client_id");
        if (row.client == null) {
          row.client = string(record, "presented_client_id");
        }
        row.token = string(record, "token_id");
        row.grant = string(record, "grant_id");
        row.scopes = strings(record, "required_scopes");
        row.decision = string(record, "decision");
        row.reason = string(record, "deny_reason");
        row.actor = string(record, "validator_id");
        row.expiresAt = millis(record, "token_expires_at");
      }
      case "RevocationRequested", "Revocation" -> {
        selector(record, row);
        row.decision = type.equals("Revocation") ? "REVOKED" : "REQUESTED";
        row.reason = string(record, "reason");
        row.actor = string(record, "requested_by");
        policy(record, row);
      }
      case "SecurityAlert" -> {
        row.subject = string(record, "subject");
        row.client = string(record, "client_id");
        row.token = string(record, "token_id");
        row.grant = string(record, "grant_id");
        row.decision = string(record, "severity");
        row.reason = string(record, "rule");
      }
      case "RefreshGrantChanged" -> {
        row.subject = string(record, "subject");
        row.client = string(record, "client_id");
        row.grant = string(record, "grant_id");
        row.audience = string(record, "audience");
        row.grantType = string(record, "grant_type");
        row.scopes = strings(record, "scopes");
        row.decision = string(record, "status");
        row.reason = string(record, "detail");
        row.actor = string(record, "changed_by");
        row.expiresAt = millis(record, "expires_at");
        policy(record, row);
      }
      case "AuditCheckpoint" -> {
        row.decision = "SIGNED";
        row.actor = string(record, "key_id");
      }
      case "ConsentGranted" -> {
        row.subject = string(record, "user");
        row.client = string(record, "client_id");
        row.grant = string(record, "consent_id");
        row.audience = string(record, "audience");
        row.scopes = strings(record, "granted_scopes");
        row.decision = "GRANTED";
        row.reason = string(record, "purpose");
        row.actor = string(record, "user");
        row.expiresAt = millis(record, "expires_at");
        policy(record, row);
      }
      case "ConsentWithdrawn" -> {
        row.subject = string(record, "user");
        row.client = string(record, "client_id");
        row.grant = string(record, "consent_id");
        row.decision = "WITHDRAWN";
        row.reason = string(record, "reason");
        row.actor = string(record, "withdrawn_by");
      }
      case "AccessRequestChanged" -> {
        row.client = string(record, "client_id");
        row.audience = string(record, "audience");
        row.scopes = strings(record, "scopes");
        row.decision = string(record, "status");
        row.reason = string(record, "change");
        row.actor = string(record, "actor");
        row.policyVersion = string(record, "policy_digest");
        row.expiresAt = millis(record, "exception_until");
      }
      case "PolicyChanged" -> {
        row.policyId = string(record, "policy_id");
        row.policyVersion = string(record, "digest");
        row.decision = string(record, "source");
        row.reason = string(record, "version");
        row.actor = string(record, "author");
      }
      case "AlertAction" -> {
        row.subject = string(record, "subject");
        row.client = string(record, "client_id");
        row.decision = string(record, "action");
        row.reason = string(record, "reason");
        row.actor = string(record, "actor");
        row.expiresAt = millis(record, "suppress_until");
      }
      default -> throw new IllegalArgumentException("not a Tokenwatch event: " + type);
    }
    return new AuditEvent(
        eventId,
        type,
        occurredAt,
        row.subject,
        row.client,
        row.token,
        row.grant,
        row.audience,
        row.grantType,
        row.scopes,
        row.decision,
        row.reason,
        row.policyId,
        row.policyVersion,
        row.actor,
        row.expiresAt,
        topic,
        partition,
        offset,
        AvroJson.write(record));
  }

  private static final class Row {
    @Nullable String subject;
    @Nullable String client;
    @Nullable String token;
    @Nullable String grant;
    @Nullable String audience;
    @Nullable String grantType;
    List<String> scopes = List.of();
    @Nullable String decision;
    @Nullable String reason;
    @Nullable String policyId;
    @Nullable String policyVersion;
    @Nullable String actor;
    @Nullable Long expiresAt;
  }

  private static void policy(GenericRecord record, Row row) {
    if (field(record, "policy") instanceof GenericRecord policy) {
      row.policyId = string(policy, "policy_id");
      row.policyVersion = string(policy, "policy_version");
    }
  }

  private static void selector(GenericRecord record, Row row) {
    if (!(field(record, "selector") instanceof GenericRecord selector)) {
      return;
    }
    String value = string(selector, "value");
    String kind = String.valueOf(string(selector, "kind"));
    switch (kind) {
      case "TOKEN", "LINEAGE" -> row.token = value;
      case "GRANT" -> row.grant = value;
      case "SUBJECT" -> row.subject = value;
      case "CLIENT" -> row.client = value;
      case "AUDIENCE" -> row.audience = value;
      default -> {
        // an unknown kind: the JSON keeps it
      }
    }
  }

  private static @Nullable Object field(GenericRecord record, String name) {
    Schema.Field field = record.getSchema().getField(name);
    return field == null ? null : record.get(field.pos());
  }

  private static @Nullable String string(GenericRecord record, String name) {
    Object value = field(record, name);
    return value == null ? null : value.toString();
  }

  private static @Nullable Long millis(GenericRecord record, String name) {
    Object value = field(record, name);
    if (value instanceof Long millis) {
      return millis;
    }
    if (value instanceof Instant instant) {
      return instant.toEpochMilli();
    }
    return null;
  }

  private static List<String> strings(GenericRecord record, String name) {
    if (!(field(record, name) instanceof Collection<?> values)) {
      return List.of();
    }
    List<String> strings = new ArrayList<>(values.size());
    for (Object value : values) {
      strings.add(String.valueOf(value));
    }
    return strings;
  }
}
