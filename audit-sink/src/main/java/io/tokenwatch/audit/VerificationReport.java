package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The outcome of verifying the whole history.
 *
 * @param records records that verified (before the first finding of each chain)
 * @param chains chains verified
 * @param checkpoints checkpoints checked
 * @param unsealed verified records not yet covered by a checkpoint (the newest; the next checkpoint
 *     seals them)
 * @param findings what is wrong, the first per chain plus checkpoint findings; empty when the
 *     history verifies
 */
public record VerificationReport(
    long records, int chains, int checkpoints, long unsealed, List<Finding> findings) {

  public VerificationReport {
    findings = List.copyOf(requireNonNull(findings, "findings"));
  }

  /** Whether the history verifies. */
  public boolean verifies() {
    return findings.isEmpty();
  }

  /** A human summary, one finding per line. */
  public String describe() {
    StringBuilder text = new StringBuilder();
    if (verifies()) {
      text.append("history verifies: ");
    } else {
      text.append("history does NOT verify: ").append(findings.size()).append(" finding(s); ");
    }
    text.append(records)
        .append(" records in ")
        .append(chains)
        .append(" chains, ")
        .append(checkpoints)
        .append(" signed checkpoints, ")
        .append(unsealed)
        .append(" records after the last checkpoint");
    for (Finding finding : findings) {
      text.append("\n  ").append(finding.describe());
    }
    return text.toString();
  }
}
