package io.tokenwatch.issuer.policy.history;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One version of the policy history: a policy that came into force.
 *
 * @param policyId the document's {@code policy_id}
 * @param version 1 for the first version recorded, then one more per change
 * @param digest the document's content version, what tokens carry as {@code policy_version}
 * @param previousVersion the version it replaced, null for the first
 * @param source how it came into force
 * @param author the person who asked for it, or {@value PolicyHistory#FILE_AUTHOR} for a file edit
 * @param diff readable lines of what changed against the previous version
 * @param document the full YAML document
 * @param approvals the approvals behind it, when it needed any
 * @param rolledBackTo for a rollback, the version whose document was restored
 * @param occurredAt when it came into force
 */
public record PolicyVersion(
    String policyId,
    long version,
    String digest,
    @Nullable Long previousVersion,
    ChangeSource source,
    String author,
    String diff,
    String document,
    List<String> approvals,
    @Nullable Long rolledBackTo,
    Instant occurredAt) {

  public PolicyVersion {
    requireNonNull(policyId, "policyId");
    requireNonNull(digest, "digest");
    requireNonNull(source, "source");
    requireNonNull(author, "author");
    requireNonNull(diff, "diff");
    requireNonNull(document, "document");
    approvals = List.copyOf(requireNonNull(approvals, "approvals"));
    requireNonNull(occurredAt, "occurredAt");
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, was " + version);
    }
    if (previousVersion == null ? version != 1 : previousVersion != version - 1) {
      throw new IllegalArgumentException(
          "version " + version + " must follow version " + previousVersion);
    }
    if ((source == ChangeSource.ROLLBACK) != (rolledBackTo != null)) {
      throw new IllegalArgumentException("rolledBackTo is set exactly for a rollback");
    }
  }
}
