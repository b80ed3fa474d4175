package io.tokenwatch.issuer.testkit;

import io.tokenwatch.issuer.revocation.PendingRevocation;
import io.tokenwatch.issuer.revocation.PendingRevocationStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Pending revocations in memory, the latest state per id. */
public final class InMemoryPendingRevocationStore implements PendingRevocationStore {

  private final Map<String, PendingRevocation> states = new ConcurrentHashMap<>();

  @Override
  public Optional<PendingRevocation> get(String id) {
    return Optional.ofNullable(states.get(id));
  }

  @Override
  public Collection<PendingRevocation> all() {
    return List.copyOf(states.values());
  }

  @Override
  public void save(PendingRevocation pending) {
    states.put(pending.id(), pending);
  }
}
