package io.tokenwatch.issuer.access;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.PolicyException;
import io.tokenwatch.issuer.policy.RiskLevel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The whole state of one access request after its latest change: what is asked, by whom and why,
 * every decision so far, and where it stands. Each change makes a new value ({@link AccessRules});
 * the store keeps the latest per id.
 *
 * @param id the request id ({@code req-...})
 * @param kind what is asked for
 * @param requester who asked
 * @param clientId the client concerned (SCOPE and NARROW), else null
 * @param audience the audience concerned (SCOPE and NARROW), else null
 * @param scopes the scopes asked for (to add, or for NARROW to take away)
 * @param risk the highest risk among the scopes, from the policy's catalogue
 * @param purpose why, in the requester's words
 * @param duration how long the exception lasts once approved (zero for kinds without one)
 * @param policyDigest for POLICY_CHANGE, the proposed document's digest, else null
 * @param approvalsRequired how many distinct approvers it needs
 * @param approvals every approval so far, oldest first
 * @param refusal the refusal that ended it, if any
 * @param reviews every audit review so far, oldest first
 * @param status where it stands
 * @param exceptionId once an approved SCOPE request, its exception's id, else null
 * @param exceptionUntil once an approved SCOPE request, when its exception ends, else null
 * @param lastChange what the latest change was
 * @param changedBy who made the latest change ({@value #ISSUER} for an expiry)
 * @param changedAt when
 * @param detail the latest change in plain words
 */
public record AccessRequest(
    String id,
    AccessKind kind,
    String requester,
    @Nullable String clientId,
    @Nullable String audience,
    List<String> scopes,
    RiskLevel risk,
    String purpose,
    Duration duration,
    @Nullable String policyDigest,
    int approvalsRequired,
    List<PersonDecision> approvals,
    @Nullable PersonDecision refusal,
    List<PersonDecision> reviews,
    AccessStatus status,
    @Nullable String exceptionId,
    @Nullable Instant exceptionUntil,
    AccessChange lastChange,
    String changedBy,
    Instant changedAt,
    String detail) {

  /** Who expiries are made by. */
  public static final String ISSUER = "issuer";

  public AccessRequest {
    requireNonNull(id, "id");
    requireNonNull(kind, "kind");
    requireNonNull(requester, "requester");
    scopes = List.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(risk, "risk");
    requireNonNull(purpose, "purpose");
    requireNonNull(duration, "duration");
    approvals = List.copyOf(requireNonNull(approvals, "approvals"));
    reviews = List.copyOf(requireNonNull(reviews, "reviews"));
    requireNonNull(status, "status");
    requireNonNull(lastChange, "lastChange");
    requireNonNull(changedBy, "changedBy");
    requireNonNull(changedAt, "changedAt");
    requireNonNull(detail, "detail");
    if (approvalsRequired < 1 || approvalsRequired > 2) {
      throw new IllegalArgumentException("approvalsRequired must be 1 or 2");
    }
    Set<String> distinct =
        approvals.stream()
            .map(PersonDecision::person)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    if ((status == AccessStatus.APPROVED || status == AccessStatus.EXPIRED)
        && distinct.size() < approvalsRequired) {
      throw new IllegalArgumentException("an approved request needs its approvals");
    }
    if (distinct.size() != approvals.size()) {
      throw new IllegalArgumentException("each approval must be by a distinct person");
    }
    if (distinct.contains(requester)) {
      throw new IllegalArgumentException("the requester cannot be an approver");
    }
  }

  /** The people who approved it. */
  public Set<String> approvers() {
    return approvals.stream()
        .map(PersonDecision::person)
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /** The people who reviewed it. */
  public Set<String> reviewers() {
    return reviews.stream()
        .map(PersonDecision::person)
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /**
   * The policy exception this request grants, when it is an approved SCOPE request; whether it is
   * in force at a given instant is {@link PolicyException#inForceAt}'s to say.
   */
  public Optional<PolicyException> exception() {
    if (kind != AccessKind.SCOPE
        || status != AccessStatus.APPROVED
        || exceptionId == null
        || exceptionUntil == null
        || clientId == null
        || audience == null
        || approvals.isEmpty()) {
      return Optional.empty();
    }
    Instant from = approvals.get(approvals.size() - 1).decidedAt();
    if (!exceptionUntil.isAfter(from)) {
      return Optional.empty();
    }
    return Optional.of(
        new PolicyException(
            exceptionId, clientId, audience, Set.copyOf(scopes), from, exceptionUntil));
  }
}
