package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * Who granted what to whom, when, why and under which policy version, with the grant's state now.
 *
 * @param issuance the issuance event
 * @param state active, expired or revoked
 * @param revokedAt when it was revoked, epoch milliseconds
 * @param revocationReason why it was revoked
 * @param revokedBy who revoked it
 * @param revocationSelector what the revocation named, as its feed key ({@code <kind>:<value>}:
 *     token, lineage, grant, subject, client, audience)
 * @param revocationId the event id of that revocation
 */
public record GrantView(
    AuditEvent issuance,
    State state,
    @Nullable Long revokedAt,
    @Nullable String revocationReason,
    @Nullable String revokedBy,
    @Nullable String revocationSelector,
    @Nullable String revocationId) {

  /** A grant's state. */
  public enum State {
    ACTIVE,
    EXPIRED,
    REVOKED
  }

  public GrantView {
    requireNonNull(issuance, "issuance");
    requireNonNull(state, "state");
  }

  /** The state of an issuance at {@code now} given its first revocation, if any. */
  public static State stateAt(AuditEvent issuance, @Nullable Long revokedAt, long now) {
    if (revokedAt != null) {
      return State.REVOKED;
    }
    Long expiresAt = issuance.expiresAt();
    return expiresAt != null && expiresAt <= now ? State.EXPIRED : State.ACTIVE;
  }
}
