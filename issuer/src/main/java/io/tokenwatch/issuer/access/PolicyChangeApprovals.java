package io.tokenwatch.issuer.access;

import io.tokenwatch.issuer.policy.RiskLevel;
import java.util.List;
import java.util.Optional;

/**
 * The approval gate for policy changes that widen access: the policy history asks for an approval
 * of a proposed document (by its digest) and applies it only once approved. Approvals follow the
 * same separation-of-duties rules as every access request ({@link AccessRules}). Thread-safe.
 */
public interface PolicyChangeApprovals {

  /** The approval of the document with that digest, once its request is approved. */
  Optional<ApprovedChange> approved(String policyDigest);

  /**
   * Opens a POLICY_CHANGE request for the document with that digest, or returns the pending or
   * approved one already open for it.
   *
   * @param requester who made the change (the author of the edit)
   * @param policyDigest the proposed document's digest (its policy version)
   * @param addedScopes the scopes the change adds
   * @param risk the highest risk among them; high or critical need two approvers
   * @param purpose why, in plain words
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be recorded in time
   */
  AccessRequest open(
      String requester,
      String policyDigest,
      List<String> addedScopes,
      RiskLevel risk,
      String purpose);

  /**
   * An approved policy change.
   *
   * @param request the approved request, with its approvals
   */
  record ApprovedChange(AccessRequest request) {
    public ApprovedChange {
      java.util.Objects.requireNonNull(request, "request");
      if (request.kind() != AccessKind.POLICY_CHANGE || request.status() != AccessStatus.APPROVED) {
        throw new IllegalArgumentException("not an approved policy change");
      }
    }

    /** The approved document's digest. */
    public String policyDigest() {
      return java.util.Objects.requireNonNull(request.policyDigest(), "policyDigest");
    }

    /** Who approved it, oldest first. */
    public List<PersonDecision> approvals() {
      return request.approvals();
    }
  }
}
