package io.tokenwatch.signals.receiver;

/**
 * Why a received Security Event Token was refused, each with the error code of RFC 8935 section 2.3
 * (and RFC 8936 {@code setErrs}) reported back to the transmitter.
 */
public enum RefusalReason {
  /** The body is larger than the configured limit. */
  OVERSIZED("invalid_request"),
  /** Not a JWS in compact serialization with a JSON header and a JSON object as payload. */
  MALFORMED("invalid_request"),
  /** A member appears twice in the header or the payload: readers could disagree on its value. */
  DUPLICATE_MEMBER("invalid_request"),
  /** {@code typ} is not {@code secevent+jwt}. */
  WRONG_TYPE("invalid_request"),
  /** The header names critical extensions ({@code crit}) this receiver does not understand. */
  CRITICAL_HEADER("invalid_request"),
  /** {@code alg} is {@code none}, symmetric or otherwise not on the allow-list. */
  ALGORITHM_NOT_ALLOWED("invalid_key"),
  /** No {@code kid}, or a {@code kid} the upstream's key set does not have even after a refresh. */
  UNKNOWN_KEY("invalid_key"),
  /** The signature does not verify with the key the header names. */
  BAD_SIGNATURE("invalid_key"),
  /** {@code iss} is not the configured upstream issuer. */
  WRONG_ISSUER("invalid_issuer"),
  /** {@code aud} does not contain the configured audience. */
  WRONG_AUDIENCE("invalid_audience"),
  /** {@code iat} missing or not a number of seconds. */
  MISSING_IAT("invalid_request"),
  /** {@code iat} older than the accepted window. */
  STALE("invalid_request"),
  /** {@code iat} or {@code event_timestamp} later than now plus the allowed clock skew. */
  FROM_THE_FUTURE("invalid_request"),
  /** {@code jti} missing, blank or too long. */
  MISSING_JTI("invalid_request"),
  /** The {@code jti} was seen before with different content. */
  REPLAYED_JTI("invalid_request"),
  /** {@code events} missing, empty, or with more than one event. */
  EVENT_COUNT("invalid_request"),
  /** The event's payload does not conform to its definition (a member of the wrong type). */
  BAD_EVENT("invalid_request"),
  /** No subject, a malformed one, or two different ones ({@code sub_id} and the event's). */
  BAD_SUBJECT("invalid_request"),
  /** A well-formed subject this receiver is not configured to map to a Tokenwatch subject. */
  UNMAPPABLE_SUBJECT("invalid_request");

  private final String err;

  RefusalReason(String err) {
    this.err = err;
  }

  /** The RFC 8935 error code, e.g. {@code invalid_key}. */
  public String err() {
    return err;
  }

  /** The lower-case name used in metrics and dead-letter headers, e.g. {@code bad_signature}. */
  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
