package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One event as the audit store keeps it: the columns an analyst filters on, where it came from
 * (topic, partition, offset) and the full event as JSON. The field order is the column order and
 * the order of the {@link CanonicalEncoding canonical encoding}.
 *
 * @param eventId the event's unique id
 * @param eventType the Avro record name, e.g. {@code TokenIssued}
 * @param occurredAt when it happened, epoch milliseconds
 * @param subject the token subject, where the event names one
 * @param clientId the client, where the event names one
 * @param tokenId the token id (jti), where the event names one
 * @param grantId the grant (refresh family), where the event names one
 * @param audience the audience, where the event names one
 * @param grantType the grant type of an issuance or denial
 * @param scopes granted scopes (issuance), requested scopes (denial), required scopes (use)
 * @param decision {@code ALLOWED}/{@code DENIED} for uses, {@code ISSUED}/{@code DENIED} for
 *     issuance, {@code REVOKED}/{@code REQUESTED} for revocations, the severity for alerts
 * @param reason the issuance reason, deny reason, revocation reason or alert rule
 * @param policyId the policy id of the decision
 * @param policyVersion the policy version of the decision
 * @param actor who acted: granted by, requested by, changed by, the validator, the delegating actor
 * @param expiresAt when the token or grant expires, epoch milliseconds
 * @param sourceTopic the topic it was read from
 * @param sourcePartition the partition it was read from
 * @param sourceOffset the offset it was read from
 * @param json the full event as JSON
 */
public record AuditEvent(
    String eventId,
    String eventType,
    long occurredAt,
    @Nullable String subject,
    @Nullable String clientId,
    @Nullable String tokenId,
    @Nullable String grantId,
    @Nullable String audience,
    @Nullable String grantType,
    List<String> scopes,
    @Nullable String decision,
    @Nullable String reason,
    @Nullable String policyId,
    @Nullable String policyVersion,
    @Nullable String actor,
    @Nullable Long expiresAt,
    String sourceTopic,
    int sourcePartition,
    long sourceOffset,
    String json) {

  public AuditEvent {
    requireNonNull(eventId, "eventId");
    requireNonNull(eventType, "eventType");
    scopes = List.copyOf(requireNonNull(scopes, "scopes"));
    for (String scope : scopes) {
      if (!isScopeToken(scope)) {
        throw new IllegalArgumentException("not an RFC 6749 scope token: '" + scope + "'");
      }
    }
    requireNonNull(sourceTopic, "sourceTopic");
    requireNonNull(json, "json");
    checkTime("occurredAt", occurredAt);
    if (expiresAt != null) {
      checkTime("expiresAt", expiresAt);
    }
    if (sourcePartition < 0) {
      throw new IllegalArgumentException("sourcePartition must be >= 0: " + sourcePartition);
    }
  }

  /**
   * Whether {@code scope} is an RFC 6749 scope-token: one or more of {@code %x21 / %x23-5B /
   * %x5D-7E}. The store keeps scopes space-separated, which this makes unambiguous.
   */
  public static boolean isScopeToken(String scope) {
    if (scope.isEmpty()) {
      return false;
    }
    for (int i = 0; i < scope.length(); i++) {
      char c = scope.charAt(i);
      if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /** The earliest time an event may carry: 0001-01-01T00:00:00Z. */
  public static final long MIN_TIME = -62_135_596_800_000L;

  /** The latest time an event may carry: 9999-12-31T23:59:59.999Z. */
  public static final long MAX_TIME = 253_402_300_799_999L;

  private static void checkTime(String name, long millis) {
    if (millis < MIN_TIME || millis > MAX_TIME) {
      throw new IllegalArgumentException(name + " is outside years 1 to 9999: " + millis);
    }
  }

  /** The chain this event belongs to. */
  public ChainKey chain() {
    return new ChainKey(sourceTopic, sourcePartition);
  }
}
