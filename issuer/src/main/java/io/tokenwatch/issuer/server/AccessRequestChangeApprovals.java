package io.tokenwatch.issuer.server;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.access.PersonDecision;
import io.tokenwatch.issuer.access.PolicyChangeApprovals;
import io.tokenwatch.issuer.policy.history.ChangeApprovals;
import java.util.Optional;

/**
 * Policy changes that widen access are approved as access requests of kind POLICY_CHANGE: the
 * policy history opens one per held document, and the separation-of-duties rules of access requests
 * decide (the requester never approves, high-risk scopes need two approvers).
 */
final class AccessRequestChangeApprovals implements ChangeApprovals {

  private final PolicyChangeApprovals requests;

  AccessRequestChangeApprovals(PolicyChangeApprovals requests) {
    this.requests = requireNonNull(requests, "requests");
  }

  @Override
  public String open(ChangeRequest request) {
    requireNonNull(request, "request");
    return requests
        .open(
            request.requester(),
            request.digest(),
            request.scopes(),
            request.risk(),
            request.purpose())
        .id();
  }

  @Override
  public Optional<Approval> approval(String digest) {
    requireNonNull(digest, "digest");
    return requests
        .approved(digest)
        .map(
            approved ->
                new Approval(
                    approved.request().id(),
                    approved.request().approvals().stream().map(PersonDecision::person).toList()));
  }
}
