package io.tokenwatch.issuer.testkit;

import io.tokenwatch.issuer.access.AccessRequest;
import io.tokenwatch.issuer.access.AccessRequestStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Access requests in memory, with every saved state in order, as the topic would hold them. */
public final class InMemoryAccessRequestStore implements AccessRequestStore {

  private final Map<String, AccessRequest> requests = new ConcurrentHashMap<>();
  private final List<AccessRequest> saved = new ArrayList<>();

  @Override
  public Optional<AccessRequest> get(String id) {
    return Optional.ofNullable(requests.get(id));
  }

  @Override
  public Collection<AccessRequest> all() {
    return List.copyOf(requests.values());
  }

  @Override
  public synchronized void save(AccessRequest request) {
    saved.add(request);
    requests.put(request.id(), request);
  }

  /** Every state saved so far, oldest first. */
  public synchronized List<AccessRequest> saved() {
    return List.copyOf(saved);
  }
}
