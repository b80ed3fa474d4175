package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.EventType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * The revocation request a received event becomes: every token of {@code subject} issued before
 * {@code issuedBefore}, for {@code cause}, requested by {@code ssf:<upstream issuer>}.
 *
 * <p>The same SET always yields the same order, {@link #eventId()} included (a name-based UUID of
 * issuer and {@code jti}), so a SET received twice (a lost acknowledgement, two instances) makes at
 * most an idempotent duplicate request that consumers deduplicate on its event id.
 *
 * @param eventId the request's event id
 * @param subject the Tokenwatch subject whose tokens are revoked
 * @param issuedBefore the watermark: tokens issued strictly before it are revoked
 * @param occurredAt when the upstream issued the SET ({@code iat})
 * @param cause why, named after the event schema's revocation reasons
 * @param requestedBy {@code ssf:<upstream issuer>}
 * @param detail upstream issuer, event type and {@code jti}, for auditors
 */
public record RevocationOrder(
    String eventId,
    String subject,
    Instant issuedBefore,
    Instant occurredAt,
    Cause cause,
    String requestedBy,
    String detail) {

  /** Prefix of {@link #requestedBy()}. */
  public static final String REQUESTED_BY_PREFIX = "ssf:";

  /** Why the upstream's event revokes; each is a symbol of the event schema's reason enum. */
  public enum Cause {
    /** The session was ended by the user, an administrator or the upstream's policy. */
    ADMIN,
    /** A credential changed or the account was disabled: the old tokens are not to be trusted. */
    COMPROMISED
  }

  public RevocationOrder {
    requireNonNull(eventId, "eventId");
    requireNonNull(subject, "subject");
    requireNonNull(issuedBefore, "issuedBefore");
    requireNonNull(occurredAt, "occurredAt");
    requireNonNull(cause, "cause");
    requireNonNull(requestedBy, "requestedBy");
    requireNonNull(detail, "detail");
    if (subject.isEmpty()) {
      throw new IllegalArgumentException("subject must not be empty");
    }
  }

  /**
   * The order for a verified signal. The watermark is the end of the second the event names ({@code
   * event_timestamp} has a resolution of seconds): a token issued within that second may stem from
   * the revoked session, so it is revoked too; tokens issued later stay valid, so the user can sign
   * in again.
   */
  public static RevocationOrder of(ReceivedSignal signal) {
    requireNonNull(signal, "signal");
    Cause cause = cause(signal.type());
    Instant watermark = signal.eventTime().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    String eventId =
        UUID.nameUUIDFromBytes(
                ("ssf|" + signal.issuer() + "|" + signal.jti() + "|" + signal.digest())
                    .getBytes(StandardCharsets.UTF_8))
            .toString();
    String detail =
        "SSF event "
            + signal.type().uri()
            + " from "
            + signal.issuer()
            + ", jti "
            + signal.jti()
            + ", event time "
            + signal.eventTime();
    return new RevocationOrder(
        eventId,
        signal.subject(),
        watermark,
        signal.issuedAt().truncatedTo(ChronoUnit.MILLIS),
        cause,
        REQUESTED_BY_PREFIX + signal.issuer(),
        detail);
  }

  /** Whether events of {@code type} revoke. */
  public static boolean revokes(EventType type) {
    return switch (type) {
      case SESSION_REVOKED, CREDENTIAL_CHANGE, ACCOUNT_DISABLED -> true;
      case TOKEN_CLAIMS_CHANGE, VERIFICATION, STREAM_UPDATED -> false;
    };
  }

  private static Cause cause(EventType type) {
    return switch (type) {
      case SESSION_REVOKED -> Cause.ADMIN;
      case CREDENTIAL_CHANGE, ACCOUNT_DISABLED -> Cause.COMPROMISED;
      case TOKEN_CLAIMS_CHANGE, VERIFICATION, STREAM_UPDATED ->
          throw new IllegalArgumentException(type + " does not revoke");
    };
  }
}
