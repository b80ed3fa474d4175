package io.tokenwatch.issuer.access;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.RiskLevel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The separation-of-duties rules, as pure transitions from one state of a request to the next:
 *
 * <ul>
 *   <li>the requester can neither approve nor refuse their own request;
 *   <li>approvers hold the approver role and each approves once; scopes of high or critical risk
 *       need two distinct approvers, others one;
 *   <li>an auditor who reviews approved access approved none of it and did not ask for it;
 *   <li>only pending requests take approvals or refusals (a refused, cancelled, expired or already
 *       approved one takes none); only the requester cancels;
 *   <li>an approved scope request's exception runs from the last approval for the requested
 *       duration, and then expires.
 * </ul>
 *
 * A refused action yields {@link AccessOutcome.Refused} naming the rule; nothing changes.
 * Stateless.
 */
public final class AccessRules {

  private AccessRules() {}

  /** How many distinct approvers scopes of {@code risk} need: two from high up, else one. */
  public static int approvalsRequired(RiskLevel risk) {
    return risk.compareTo(RiskLevel.HIGH) >= 0 ? 2 : 1;
  }

  /** The exception id of an approved scope request. */
  public static String exceptionId(String requestId) {
    return "exc-" + (requestId.startsWith("req-") ? requestId.substring(4) : requestId);
  }

  /** {@code actor} approves {@code request} at {@code now}. */
  public static AccessOutcome approve(
      AccessRequest request, Actor actor, @Nullable String comment, Instant now) {
    requireNonNull(request, "request");
    requireNonNull(actor, "actor");
    requireNonNull(now, "now");
    AccessOutcome.Refused refused = mayDecide(request, actor, "approve");
    if (refused != null) {
      return refused;
    }
    if (request.approvers().contains(actor.id())) {
      return new AccessOutcome.Refused(
          AccessRule.ONE_APPROVAL_PER_PERSON,
          "you have already approved "
              + request.id()
              + "; the second approval must come from a different person");
    }
    List<PersonDecision> approvals = new ArrayList<>(request.approvals());
    approvals.add(new PersonDecision(actor.id(), now, comment));
    boolean done = approvals.size() >= request.approvalsRequired();
    String exceptionId = null;
    Instant until = null;
    String detail;
    if (!done) {
      detail =
          actor.id()
              + " approved ("
              + approvals.size()
              + " of "
              + request.approvalsRequired()
              + " approvals; "
              + request.risk().name().toLowerCase(java.util.Locale.ROOT)
              + "-risk scopes need two different people)";
    } else if (request.kind() == AccessKind.SCOPE) {
      exceptionId = exceptionId(request.id());
      until = now.plus(request.duration());
      detail =
          actor.id()
              + " approved; exception "
              + exceptionId
              + " lets "
              + request.clientId()
              + " get "
              + String.join(" ", request.scopes())
              + " for "
              + request.audience()
              + " until "
              + until;
    } else {
      detail = actor.id() + " approved; the request is approved";
    }
    return changed(
        request,
        approvals,
        request.refusal(),
        request.reviews(),
        done ? AccessStatus.APPROVED : AccessStatus.PENDING,
        exceptionId,
        until,
        AccessChange.APPROVED,
        actor.id(),
        now,
        detail);
  }

  /** {@code actor} refuses {@code request} at {@code now}, which ends it. */
  public static AccessOutcome refuse(
      AccessRequest request, Actor actor, @Nullable String comment, Instant now) {
    requireNonNull(request, "request");
    requireNonNull(actor, "actor");
    requireNonNull(now, "now");
    AccessOutcome.Refused refused = mayDecide(request, actor, "refuse");
    if (refused != null) {
      return refused;
    }
    if (request.approvers().contains(actor.id())) {
      return new AccessOutcome.Refused(
          AccessRule.APPROVER_CANNOT_REFUSE,
          "you approved " + request.id() + "; someone else must refuse it");
    }
    return changed(
        request,
        request.approvals(),
        new PersonDecision(actor.id(), now, comment),
        request.reviews(),
        AccessStatus.REFUSED,
        null,
        null,
        AccessChange.REFUSED,
        actor.id(),
        now,
        actor.id() + " refused the request");
  }

  /** {@code actor}, an auditor, reviews the approved {@code request} at {@code now}. */
  public static AccessOutcome review(
      AccessRequest request, Actor actor, @Nullable String comment, Instant now) {
    requireNonNull(request, "request");
    requireNonNull(actor, "actor");
    requireNonNull(now, "now");
    if (!actor.has(Duty.AUDITOR)) {
      return new AccessOutcome.Refused(
          AccessRule.AUDITOR_ROLE_REQUIRED, "only people with the auditor role review requests");
    }
    if (request.approvers().contains(actor.id())) {
      return new AccessOutcome.Refused(
          AccessRule.APPROVER_CANNOT_REVIEW,
          "you approved "
              + request.id()
              + "; an auditor who approved access cannot review it, ask another auditor");
    }
    if (request.requester().equals(actor.id())) {
      return new AccessOutcome.Refused(
          AccessRule.REQUESTER_CANNOT_REVIEW,
          "you asked for " + request.id() + "; another auditor must review it");
    }
    if (request.status() != AccessStatus.APPROVED) {
      return new AccessOutcome.Refused(
          AccessRule.NOT_APPROVED,
          request.id() + " is " + name(request.status()) + "; only approved requests are reviewed");
    }
    if (request.reviewers().contains(actor.id())) {
      return new AccessOutcome.Refused(
          AccessRule.ONE_REVIEW_PER_PERSON, "you have already reviewed " + request.id());
    }
    List<PersonDecision> reviews = new ArrayList<>(request.reviews());
    reviews.add(new PersonDecision(actor.id(), now, comment));
    return changed(
        request,
        request.approvals(),
        request.refusal(),
        reviews,
        request.status(),
        request.exceptionId(),
        request.exceptionUntil(),
        AccessChange.REVIEWED,
        actor.id(),
        now,
        actor.id() + " reviewed the approved access");
  }

  /**
   * The requester withdraws {@code request} at {@code now}: a pending one takes no more decisions,
   * an approved one's exception ends now.
   */
  public static AccessOutcome cancel(AccessRequest request, Actor actor, Instant now) {
    requireNonNull(request, "request");
    requireNonNull(actor, "actor");
    requireNonNull(now, "now");
    if (!request.requester().equals(actor.id())) {
      return new AccessOutcome.Refused(
          AccessRule.ONLY_REQUESTER_CANCELS,
          "only " + request.requester() + ", who asked for " + request.id() + ", can cancel it");
    }
    if (request.status() != AccessStatus.PENDING && request.status() != AccessStatus.APPROVED) {
      return new AccessOutcome.Refused(
          AccessRule.NOT_CANCELLABLE,
          request.id() + " is already " + name(request.status()) + "; there is nothing to cancel");
    }
    return changed(
        request,
        request.approvals(),
        request.refusal(),
        request.reviews(),
        AccessStatus.CANCELLED,
        request.exceptionId(),
        request.exceptionUntil(),
        AccessChange.CANCELLED,
        actor.id(),
        now,
        actor.id()
            + " cancelled the request"
            + (request.status() == AccessStatus.APPROVED && request.exceptionId() != null
                ? "; exception " + request.exceptionId() + " ends now"
                : ""));
  }

  /**
   * The expiry of an approved scope request whose exception has ended at {@code now}; empty when it
   * has none or it has not ended.
   */
  public static java.util.Optional<AccessRequest> expire(AccessRequest request, Instant now) {
    requireNonNull(request, "request");
    requireNonNull(now, "now");
    Instant until = request.exceptionUntil();
    if (request.status() != AccessStatus.APPROVED || until == null || now.isBefore(until)) {
      return java.util.Optional.empty();
    }
    AccessOutcome outcome =
        changed(
            request,
            request.approvals(),
            request.refusal(),
            request.reviews(),
            AccessStatus.EXPIRED,
            request.exceptionId(),
            until,
            AccessChange.EXPIRED,
            AccessRequest.ISSUER,
            now,
            "exception " + request.exceptionId() + " ended at " + until);
    return java.util.Optional.of(((AccessOutcome.Changed) outcome).request());
  }

  private static AccessOutcome.@Nullable Refused mayDecide(
      AccessRequest request, Actor actor, String verb) {
    // Self-approval first: it is the rule the requester needs to hear, whatever their roles.
    if (request.requester().equals(actor.id())) {
      return new AccessOutcome.Refused(
          AccessRule.NO_SELF_APPROVAL,
          "you asked for " + request.id() + "; someone else must " + verb + " it");
    }
    if (!actor.has(Duty.APPROVER)) {
      return new AccessOutcome.Refused(
          AccessRule.APPROVER_ROLE_REQUIRED,
          "only people with the approver role " + verb + " requests");
    }
    if (request.status() != AccessStatus.PENDING) {
      return new AccessOutcome.Refused(
          AccessRule.NOT_PENDING,
          request.id()
              + " is "
              + name(request.status())
              + "; only pending requests can be approved or refused");
    }
    return null;
  }

  private static AccessOutcome changed(
      AccessRequest request,
      List<PersonDecision> approvals,
      @Nullable PersonDecision refusal,
      List<PersonDecision> reviews,
      AccessStatus status,
      @Nullable String exceptionId,
      @Nullable Instant exceptionUntil,
      AccessChange change,
      String actor,
      Instant now,
      String detail) {
    return new AccessOutcome.Changed(
        new AccessRequest(
            request.id(),
            request.kind(),
            request.requester(),
            request.clientId(),
            request.audience(),
            request.scopes(),
            request.risk(),
            request.purpose(),
            request.duration(),
            request.policyDigest(),
            request.approvalsRequired(),
            approvals,
            refusal,
            reviews,
            status,
            exceptionId,
            exceptionUntil,
            change,
            actor,
            now,
            detail));
  }

  private static String name(AccessStatus status) {
    return status.name().toLowerCase(java.util.Locale.ROOT);
  }
}
