package io.tokenwatch.issuer.policy.history;

import java.util.ArrayList;
import java.util.List;

/** The history in memory, with the append contract of the Kafka log; shareable by holders. */
final class InMemoryPolicyHistoryLog implements PolicyHistoryLog {

  private final List<PolicyVersion> versions = new ArrayList<>();
  int writes;

  @Override
  public synchronized List<PolicyVersion> versions() {
    return List.copyOf(versions);
  }

  @Override
  public synchronized PolicyVersion append(PolicyVersion next) {
    if (versions.size() >= next.version()) {
      return versions.get((int) next.version() - 1);
    }
    writes++;
    versions.add(next);
    return next;
  }
}
