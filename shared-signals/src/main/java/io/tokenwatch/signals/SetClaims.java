package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The claim set of a Security Event Token (RFC 8417, SSF 1.0 section 4): {@code iss}, {@code aud},
 * {@code iat}, {@code jti}, {@code sub_id} at the top level, {@code txn} when known, and {@code
 * events} with exactly one member. Never {@code exp}: a SET is a statement of fact, not a
 * credential (RFC 8417 section 2.2).
 */
public final class SetClaims {

  private SetClaims() {}

  /**
   * The claims of {@code event} as sent by {@code issuer} to {@code audience} at {@code issuedAt}.
   * CAEP events carry {@code event_timestamp} (seconds) inside their member.
   */
  public static Map<String, Object> of(
      String issuer, String audience, Instant issuedAt, SecurityEvent event) {
    requireNonNull(issuer, "issuer");
    requireNonNull(audience, "audience");
    requireNonNull(issuedAt, "issuedAt");
    requireNonNull(event, "event");
    Map<String, Object> member = new LinkedHashMap<>();
    if (event.type() != EventType.VERIFICATION && event.type() != EventType.STREAM_UPDATED) {
      member.put("event_timestamp", event.eventTimestamp().getEpochSecond());
    }
    member.putAll(event.members());
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", issuer);
    claims.put("aud", audience);
    claims.put("iat", issuedAt.getEpochSecond());
    claims.put("jti", event.jti());
    claims.put("sub_id", event.subject().toJson());
    if (event.txn() != null) {
      claims.put("txn", event.txn());
    }
    claims.put("events", Map.of(event.type().uri(), member));
    return claims;
  }
}
