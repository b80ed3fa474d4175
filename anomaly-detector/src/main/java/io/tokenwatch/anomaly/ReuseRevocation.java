package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The issuer asked to revoke a grant because a rotated refresh token of it came back.
 *
 * @param grantId the grant revoked
 * @param eventId the revocation request's event id
 * @param requestedBy who asked (the issuer's reuse detection)
 * @param detail the issuer's free-text detail, if any
 */
public record ReuseRevocation(
    String grantId, String eventId, Instant at, String requestedBy, @Nullable String detail) {

  public ReuseRevocation {
    requireNonNull(grantId, "grantId");
    requireNonNull(eventId, "eventId");
    requireNonNull(at, "at");
    requireNonNull(requestedBy, "requestedBy");
  }
}
