package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.EventType;
import java.time.Instant;

/**
 * A verified Security Event Token that Tokenwatch acts on.
 *
 * @param jti the SET's id
 * @param issuer the upstream issuer ({@code iss})
 * @param type the event type
 * @param subject the Tokenwatch {@code sub} the upstream's subject identifier maps to
 * @param issuedAt the SET's {@code iat}
 * @param eventTime the event's {@code event_timestamp}, else {@code iat}
 * @param digest SHA-256 of the SET's bytes as received, hex
 */
public record ReceivedSignal(
    String jti,
    String issuer,
    EventType type,
    String subject,
    Instant issuedAt,
    Instant eventTime,
    String digest) {
  public ReceivedSignal {
    requireNonNull(jti, "jti");
    requireNonNull(issuer, "issuer");
    requireNonNull(type, "type");
    requireNonNull(subject, "subject");
    requireNonNull(issuedAt, "issuedAt");
    requireNonNull(eventTime, "eventTime");
    requireNonNull(digest, "digest");
  }
}
