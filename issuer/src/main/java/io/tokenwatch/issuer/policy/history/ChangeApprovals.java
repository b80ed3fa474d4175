package io.tokenwatch.issuer.policy.history;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.policy.RiskLevel;
import java.util.List;
import java.util.Optional;

/**
 * Where policy changes that widen access get approved: access requests of kind POLICY_CHANGE,
 * identified by the proposed document's digest. Implementations must be thread-safe and answer
 * {@link #approval} from memory: it is asked on every policy poll while a change is held.
 */
public interface ChangeApprovals {

  /**
   * A change waiting for approval.
   *
   * @param requester who asks: {@value PolicyHistory#FILE_AUTHOR} for a file edit, the person for a
   *     rollback
   * @param digest the proposed document's digest (its policy version)
   * @param scopes the names of the scopes it adds past the risk threshold
   * @param grants the same, with client, audience and risk, for the reader
   * @param risk the highest risk among them
   * @param purpose what the change does, in plain words (its diff)
   */
  record ChangeRequest(
      String requester,
      String policyId,
      String digest,
      List<String> scopes,
      List<PolicyDiff.Grant> grants,
      RiskLevel risk,
      String purpose) {
    public ChangeRequest {
      requireNonNull(requester, "requester");
      requireNonNull(policyId, "policyId");
      requireNonNull(digest, "digest");
      scopes = List.copyOf(requireNonNull(scopes, "scopes"));
      grants = List.copyOf(requireNonNull(grants, "grants"));
      requireNonNull(risk, "risk");
      requireNonNull(purpose, "purpose");
    }
  }

  /**
   * An approved change.
   *
   * @param requestId the access request that approved it
   * @param approvers every person who approved it, in order
   */
  record Approval(String requestId, List<String> approvers) {
    public Approval {
      requireNonNull(requestId, "requestId");
      approvers = List.copyOf(requireNonNull(approvers, "approvers"));
      if (approvers.isEmpty()) {
        throw new IllegalArgumentException("an approval names at least one approver");
      }
    }

    /** One line per approver, as PolicyChanged records them ({@code <request>: approved by x}). */
    public List<String> lines() {
      return approvers.stream().map(person -> requestId + ": approved by " + person).toList();
    }
  }

  /**
   * Opens a request to approve {@code request}, or finds the open one for its digest.
   *
   * @return the request's id
   */
  String open(ChangeRequest request);

  /** The approval of the change with that digest; empty while it is not (fully) approved. */
  Optional<Approval> approval(String digest);
}
