package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.List;
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
 * @param governance what people decided behind the grant, oldest first: the consent it was issued
 *     under and its withdrawal ({@code ConsentGranted}, {@code ConsentWithdrawn} of its grant id),
 *     the latest state of the access request whose exception is its rule ({@code
 *     AccessRequestChanged}), and the policy change that put its policy version in force ({@code
 *     PolicyChanged}, the latest at or before the issuance)
 */
public record GrantView(
    AuditEvent issuance,
    State state,
    @Nullable Long revokedAt,
    @Nullable String revocationReason,
    @Nullable String revokedBy,
    @Nullable String revocationSelector,
    @Nullable String revocationId,
    List<AuditEvent> governance) {

  /** A grant's state. */
  public enum State {
    ACTIVE,
    EXPIRED,
    REVOKED
  }

  public GrantView {
    requireNonNull(issuance, "issuance");
    requireNonNull(state, "state");
    governance = List.copyOf(requireNonNull(governance, "governance"));
  }

  /** A grant nothing but policy stands behind (no consent, exception or recorded change). */
  public GrantView(
      AuditEvent issuance,
      State state,
      @Nullable Long revokedAt,
      @Nullable String revocationReason,
      @Nullable String revokedBy,
      @Nullable String revocationSelector,
      @Nullable String revocationId) {
    this(
        issuance,
        state,
        revokedAt,
        revocationReason,
        revokedBy,
        revocationSelector,
        revocationId,
        List.of());
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
