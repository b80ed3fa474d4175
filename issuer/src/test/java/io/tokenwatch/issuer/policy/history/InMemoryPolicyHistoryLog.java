package io.tokenwatch.issuer.policy.history;

import java.util.ArrayList;
import java.util.List;

/** The history in memory, with the append contract of the Kafka log; shareable by holders. */
final class InMemoryPolicyHistoryLog implements PolicyHistoryLog {

  private final List<PolicyVersion> versions = new ArrayList<>();
  int writes;

  @Override
  public synchronized List<PolicyVersion> versions(String policyId) {
    return versions.stream().filter(v -> v.policyId().equals(policyId)).toList();
  }

  List<PolicyVersion> versions() {
    return versions("tokenwatch-sample");
  }

  @Override
  public synchronized PolicyVersion append(PolicyVersion next) {
    List<PolicyVersion> history = versions(next.policyId());
    if (history.size() >= next.version()) {
      return history.get((int) next.version() - 1);
    }
    writes++;
    versions.add(next);
    return next;
  }
}
