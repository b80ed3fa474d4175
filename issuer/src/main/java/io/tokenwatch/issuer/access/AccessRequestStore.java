package io.tokenwatch.issuer.access;

import java.util.Collection;
import java.util.Optional;

/**
 * The latest state of every access request. Implementations are thread-safe; the Kafka one shares
 * the states with every issuer instance through a compacted topic.
 */
public interface AccessRequestStore {

  /** The latest state of that request, empty for an unknown id. */
  Optional<AccessRequest> get(String id);

  /** The latest state of every request known. */
  Collection<AccessRequest> all();

  /**
   * Makes {@code request} durable, then visible to {@link #get} and {@link #all} on this instance.
   *
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be made durable in
   *     time
   */
  void save(AccessRequest request);
}
