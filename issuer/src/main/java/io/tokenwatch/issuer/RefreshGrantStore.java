package io.tokenwatch.issuer;

import io.tokenwatch.events.RefreshGrantChanged;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The shared state of refresh grants. Implementations are thread-safe; the Kafka one is shared by
 * every issuer instance through a compacted topic.
 */
public interface RefreshGrantStore {

  /** The latest state of a grant this instance knows, empty for an unknown grant. */
  Optional<RefreshGrantChanged> get(String grantId);

  /**
   * Makes {@code state} durable, then visible to {@link #get} on this instance.
   *
   * @throws EventLogUnavailableException when it cannot be made durable in time
   */
  void save(RefreshGrantChanged state);

  /**
   * Registers who is told when two instances rotated the same generation of a grant (a refresh
   * token reuse that raced across instances and is seen only after the fact). The handler gets the
   * state that revealed the race and must revoke the grant.
   */
  void onRace(Consumer<RefreshGrantChanged> handler);
}
