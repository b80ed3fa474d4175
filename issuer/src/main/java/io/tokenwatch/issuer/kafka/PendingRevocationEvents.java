package io.tokenwatch.issuer.kafka;

import io.tokenwatch.events.AccessDecision;
import io.tokenwatch.events.AccessRequestChange;
import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AccessRequestKind;
import io.tokenwatch.events.AccessRequestStatus;
import io.tokenwatch.events.PendingRevocationDetails;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.revocation.AdminRevocation;
import io.tokenwatch.issuer.revocation.PendingRevocation;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one place a {@link PendingRevocation} becomes an {@code AccessRequestChanged} of kind {@code
 * REVOCATION}, and back. It rides the access-request topic: the same compacted, whole-state,
 * audited record per request that approvals of scopes use, so the audit sink and every issuer
 * instance already keep it; its field {@code revocation} says what it revokes.
 */
final class PendingRevocationEvents {

  private PendingRevocationEvents() {}

  /** The event recording {@code pending}'s latest state. */
  static AccessRequestChanged event(PendingRevocation pending) {
    AdminRevocation revocation = pending.revocation();
    String selector = kindName(revocation.kind()) + ":" + revocation.value();
    AccessDecision decision =
        pending.decider() == null || pending.decidedAt() == null
            ? null
            : AccessDecision.newBuilder()
                .setPerson(pending.decider())
                .setDecidedAt(pending.decidedAt())
                .setComment(null)
                .build();
    AccessRequestChange change;
    AccessRequestStatus status;
    String detail;
    switch (pending.status()) {
      case PENDING -> {
        change = AccessRequestChange.REQUESTED;
        status = AccessRequestStatus.PENDING;
        detail = pending.requester() + " asked to revoke " + selector + "; a second person decides";
      }
      case APPROVED -> {
        change = AccessRequestChange.APPROVED;
        status = AccessRequestStatus.APPROVED;
        detail = pending.decider() + " approved revoking " + selector;
      }
      case REFUSED -> {
        change = AccessRequestChange.REFUSED;
        status = AccessRequestStatus.REFUSED;
        detail = pending.decider() + " refused revoking " + selector;
      }
      case EXPIRED -> {
        change = AccessRequestChange.EXPIRED;
        status = AccessRequestStatus.EXPIRED;
        detail = "nobody decided on revoking " + selector + " in time; nothing was revoked";
      }
      default -> throw new AssertionError(pending.status());
    }
    return AccessRequestChanged.newBuilder()
        .setEventId(Secrets.randomUuid().toString())
        .setOccurredAt(pending.decidedAt() == null ? pending.requestedAt() : pending.decidedAt())
        .setRequestId(pending.id())
        .setChange(change)
        .setActor(pending.decider() == null ? pending.requester() : pending.decider())
        .setKind(AccessRequestKind.REVOCATION)
        .setRequester(pending.requester())
        .setClientId(null)
        .setAudience(null)
        .setScopes(List.of())
        .setRisk("high")
        .setPurpose(revocation.detail() == null ? "revoke " + selector : revocation.detail())
        .setDurationSeconds(
            java.time.Duration.between(pending.requestedAt(), pending.expiresAt()).toSeconds())
        .setPolicyDigest(null)
        .setApprovalsRequired(1)
        .setApprovals(
            pending.status() == PendingRevocation.Status.APPROVED && decision != null
                ? List.of(decision)
                : List.of())
        .setRefusal(pending.status() == PendingRevocation.Status.REFUSED ? decision : null)
        .setReviews(List.of())
        .setStatus(status)
        .setExceptionId(null)
        .setExceptionUntil(null)
        .setDetail(detail)
        .setRevocation(
            PendingRevocationDetails.newBuilder()
                .setKind(kindName(revocation.kind()))
                .setValue(revocation.value())
                .setIssuedBefore(revocation.issuedBefore())
                .setReason(revocation.reason().name())
                .setReasonDetail(revocation.detail())
                .setRequestedBy(revocation.requestedBy())
                .setRequestedAt(pending.requestedAt())
                .setExpiresAt(pending.expiresAt())
                .setDecidedBy(pending.decidedBy())
                .setRevocationEventId(pending.revocationEventId())
                .build())
        .build();
  }

  /**
   * The pending revocation an event records; empty for other kinds.
   *
   * @throws IllegalArgumentException when the record is not one this reader can trust (a status,
   *     kind or reason it does not know, or one that breaks the rules): the caller drops it, so
   *     nothing is approved on its strength
   */
  static Optional<PendingRevocation> pending(AccessRequestChanged event) {
    if (event.getKind() != AccessRequestKind.REVOCATION) {
      return Optional.empty();
    }
    PendingRevocationDetails details = event.getRevocation();
    if (details == null) {
      throw new IllegalArgumentException("a REVOCATION request without its revocation");
    }
    PendingRevocation.Status status =
        switch (event.getStatus()) {
          case PENDING -> PendingRevocation.Status.PENDING;
          case APPROVED -> PendingRevocation.Status.APPROVED;
          case REFUSED -> PendingRevocation.Status.REFUSED;
          case EXPIRED -> PendingRevocation.Status.EXPIRED;
          default -> throw new IllegalArgumentException("status " + event.getStatus());
        };
    SelectorKind kind = SelectorKind.valueOf(details.getKind().toUpperCase(Locale.ROOT));
    AdminRevocation revocation =
        new AdminRevocation(
            kind,
            details.getValue(),
            details.getIssuedBefore(),
            RevocationReason.valueOf(details.getReason()),
            details.getRequestedBy(),
            details.getReasonDetail());
    boolean decided = status != PendingRevocation.Status.PENDING;
    return Optional.of(
        new PendingRevocation(
            event.getRequestId(),
            revocation,
            event.getRequester(),
            status,
            details.getRequestedAt(),
            details.getExpiresAt(),
            decided ? event.getActor() : null,
            decided ? details.getDecidedBy() : null,
            decided ? event.getOccurredAt() : null,
            details.getRevocationEventId()));
  }

  private static String kindName(SelectorKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
