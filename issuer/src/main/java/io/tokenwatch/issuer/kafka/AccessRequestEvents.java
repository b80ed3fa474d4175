package io.tokenwatch.issuer.kafka;

import io.tokenwatch.events.AccessDecision;
import io.tokenwatch.events.AccessRequestChange;
import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AccessRequestKind;
import io.tokenwatch.events.AccessRequestStatus;
import io.tokenwatch.issuer.Secrets;
import io.tokenwatch.issuer.access.AccessChange;
import io.tokenwatch.issuer.access.AccessKind;
import io.tokenwatch.issuer.access.AccessRequest;
import io.tokenwatch.issuer.access.AccessStatus;
import io.tokenwatch.issuer.access.PersonDecision;
import io.tokenwatch.issuer.policy.RiskLevel;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one place {@code AccessRequestChanged} events are built from, and read back into, the
 * domain's {@link AccessRequest}: every record carries the whole state, so the last record per
 * request id is all a reader needs.
 */
final class AccessRequestEvents {

  private AccessRequestEvents() {}

  /** The event recording {@code request}'s latest change. */
  static AccessRequestChanged event(AccessRequest request) {
    return AccessRequestChanged.newBuilder()
        .setEventId(Secrets.randomUuid().toString())
        .setOccurredAt(request.changedAt())
        .setRequestId(request.id())
        .setChange(AccessRequestChange.valueOf(request.lastChange().name()))
        .setActor(request.changedBy())
        .setKind(AccessRequestKind.valueOf(request.kind().name()))
        .setRequester(request.requester())
        .setClientId(request.clientId())
        .setAudience(request.audience())
        .setScopes(request.scopes())
        .setRisk(request.risk().name().toLowerCase(Locale.ROOT))
        .setPurpose(request.purpose())
        .setDurationSeconds(request.duration().toSeconds())
        .setPolicyDigest(request.policyDigest())
        .setApprovalsRequired(request.approvalsRequired())
        .setApprovals(request.approvals().stream().map(AccessRequestEvents::decision).toList())
        .setRefusal(request.refusal() == null ? null : decision(request.refusal()))
        .setReviews(request.reviews().stream().map(AccessRequestEvents::decision).toList())
        .setStatus(AccessRequestStatus.valueOf(request.status().name()))
        .setExceptionId(request.exceptionId())
        .setExceptionUntil(request.exceptionUntil())
        .setDetail(request.detail())
        .build();
  }

  /**
   * The state an event records; empty when it names a kind, status or change this reader does not
   * know (a newer writer's), which the store then treats as not approved.
   *
   * @throws IllegalArgumentException when the record contradicts the rules (e.g. the requester
   *     among the approvers): it is not trusted
   */
  static Optional<AccessRequest> request(AccessRequestChanged event) {
    if (event.getKind() == AccessRequestKind.UNKNOWN
        || event.getKind() == AccessRequestKind.REVOCATION
        || event.getStatus() == AccessRequestStatus.UNKNOWN
        || event.getChange() == AccessRequestChange.UNKNOWN) {
      return Optional.empty();
    }
    return Optional.of(
        new AccessRequest(
            event.getRequestId(),
            AccessKind.valueOf(event.getKind().name()),
            event.getRequester(),
            event.getClientId(),
            event.getAudience(),
            event.getScopes(),
            RiskLevel.valueOf(event.getRisk().toUpperCase(Locale.ROOT)),
            event.getPurpose(),
            Duration.ofSeconds(event.getDurationSeconds()),
            event.getPolicyDigest(),
            event.getApprovalsRequired(),
            decisions(event.getApprovals()),
            event.getRefusal() == null ? null : decision(event.getRefusal()),
            decisions(event.getReviews()),
            AccessStatus.valueOf(event.getStatus().name()),
            event.getExceptionId(),
            event.getExceptionUntil(),
            AccessChange.valueOf(event.getChange().name()),
            event.getActor(),
            event.getOccurredAt(),
            event.getDetail() == null ? "" : event.getDetail()));
  }

  private static AccessDecision decision(PersonDecision decision) {
    return AccessDecision.newBuilder()
        .setPerson(decision.person())
        .setDecidedAt(decision.decidedAt())
        .setComment(decision.comment())
        .build();
  }

  private static PersonDecision decision(AccessDecision decision) {
    return new PersonDecision(decision.getPerson(), decision.getDecidedAt(), comment(decision));
  }

  private static @Nullable String comment(AccessDecision decision) {
    return decision.getComment();
  }

  private static List<PersonDecision> decisions(List<AccessDecision> decisions) {
    return decisions.stream().map(AccessRequestEvents::decision).toList();
  }
}
