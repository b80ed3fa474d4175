package io.tokenwatch.issuer.policy.history;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Approvals kept in memory, for tests and for an issuer not wired to the access-request store:
 * nothing approves a change there unless {@link #approve} is called, so widening changes wait (fail
 * closed). Thread-safe.
 */
public final class InMemoryChangeApprovals implements ChangeApprovals {

  private final Map<String, ChangeRequest> requests = new ConcurrentHashMap<>();
  private final Map<String, String> ids = new ConcurrentHashMap<>();
  private final Map<String, Approval> approved = new ConcurrentHashMap<>();

  @Override
  public String open(ChangeRequest request) {
    requireNonNull(request, "request");
    requests.putIfAbsent(request.digest(), request);
    return ids.computeIfAbsent(request.digest(), digest -> "policy-change-" + digest);
  }

  @Override
  public Optional<Approval> approval(String digest) {
    return Optional.ofNullable(approved.get(requireNonNull(digest, "digest")));
  }

  /** The requests opened so far, by digest. */
  public Map<String, ChangeRequest> requests() {
    return Map.copyOf(requests);
  }

  /**
   * Approves the open request for {@code digest}.
   *
   * @throws IllegalStateException if no request is open for it
   */
  public void approve(String digest, List<String> approvers) {
    String id = ids.get(requireNonNull(digest, "digest"));
    if (id == null) {
      throw new IllegalStateException("no request is open for policy " + digest);
    }
    approved.put(digest, new Approval(id, approvers));
  }
}
