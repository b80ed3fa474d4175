package io.tokenwatch.issuer.policy.history;

import java.util.List;

/**
 * Where the policy history is kept (the one-partition policy-changes topic), one history per policy
 * id. Implementations are thread-safe and give every issuer instance the same history.
 */
public interface PolicyHistoryLog {

  /** Every version of that policy, oldest first, as far as this instance has read. */
  List<PolicyVersion> versions(String policyId);

  /**
   * Records {@code next} (which follows the latest version this instance knew) unless the history
   * already holds a version following {@code next.previousVersion()} with the same digest, and
   * returns the version the history now holds at {@code next.version()}: {@code next}, the same
   * change recorded by another instance, or another change (whose digest differs) that was recorded
   * first, in which case the caller rebases and tries again.
   *
   * @throws RuntimeException if the history cannot be written or read in time
   */
  PolicyVersion append(PolicyVersion next);
}
