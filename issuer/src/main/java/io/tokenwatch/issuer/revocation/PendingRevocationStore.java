package io.tokenwatch.issuer.revocation;

import java.util.Collection;
import java.util.Optional;

/**
 * The latest state of every pending revocation. Implementations are thread-safe; the Kafka one
 * shares them with every issuer instance, and keeps them across restarts, through the compacted
 * access-request topic.
 */
public interface PendingRevocationStore {

  /** The latest state of that one, empty for an unknown id. */
  Optional<PendingRevocation> get(String id);

  /** The latest state of every one known. */
  Collection<PendingRevocation> all();

  /**
   * Makes {@code pending} durable, then visible to {@link #get} and {@link #all} on this instance.
   *
   * @throws io.tokenwatch.issuer.EventLogUnavailableException when it cannot be made durable in
   *     time
   */
  void save(PendingRevocation pending);
}
