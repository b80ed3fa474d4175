package io.tokenwatch.issuer.revocation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A revocation a person asked for that waits for a second person (the policy's {@code
 * revocation_rights}), in its latest state. Each change makes a new value; the store keeps the
 * latest per id.
 *
 * @param id {@code rev-<uuid>}
 * @param revocation what it revokes once approved; its requester field names the requester as the
 *     revocation will ({@code person:<id>[;via:<URL>]})
 * @param requester the requester's person id, which no approver may have
 * @param status where it stands
 * @param requestedAt when it was asked for
 * @param expiresAt when it lapses unless decided before
 * @param decider the approver's or refuser's person id ({@value #ISSUER} for a lapse), else null
 * @param decidedBy the approver or refuser as the revocation names them, else null
 * @param decidedAt when it was decided or lapsed, else null
 * @param revocationEventId once approved, the {@code RevocationRequested} event's id
 */
public record PendingRevocation(
    String id,
    AdminRevocation revocation,
    String requester,
    Status status,
    Instant requestedAt,
    Instant expiresAt,
    @Nullable String decider,
    @Nullable String decidedBy,
    @Nullable Instant decidedAt,
    @Nullable String revocationEventId) {

  /** Who lapses are decided by. */
  public static final String ISSUER = "issuer";

  /** Where a pending revocation stands. */
  public enum Status {
    /** Waiting for a second person. */
    PENDING,
    /** Approved by a second person; the revocation was requested. */
    APPROVED,
    /** Refused by a second person; nothing was revoked. */
    REFUSED,
    /** Nobody decided before it lapsed; nothing was revoked. */
    EXPIRED
  }

  public PendingRevocation {
    requireNonNull(id, "id");
    requireNonNull(revocation, "revocation");
    requireNonNull(requester, "requester");
    requireNonNull(status, "status");
    requireNonNull(requestedAt, "requestedAt");
    requireNonNull(expiresAt, "expiresAt");
    if (!expiresAt.isAfter(requestedAt)) {
      throw new IllegalArgumentException("expiresAt must be after requestedAt");
    }
    if (status == Status.PENDING) {
      if (decider != null || decidedBy != null || decidedAt != null) {
        throw new IllegalArgumentException("a pending revocation has no decision yet");
      }
    } else if (decider == null || decidedBy == null || decidedAt == null) {
      throw new IllegalArgumentException("a decided revocation names who decided and when");
    }
    if (requester.equals(decider)) {
      throw new IllegalArgumentException("the requester cannot decide their own revocation");
    }
    if ((status == Status.APPROVED) != (revocationEventId != null)) {
      throw new IllegalArgumentException("exactly an approved revocation names its event");
    }
  }

  /** Whether it still waits at {@code now}: pending and not lapsed. */
  public boolean waitingAt(Instant now) {
    return status == Status.PENDING && now.isBefore(expiresAt);
  }

  /** This one decided. */
  PendingRevocation decided(
      Status outcome,
      String deciderId,
      String deciderIdentity,
      Instant at,
      @Nullable String eventId) {
    return new PendingRevocation(
        id,
        revocation,
        requester,
        outcome,
        requestedAt,
        expiresAt,
        deciderId,
        deciderIdentity,
        at,
        eventId);
  }
}
