package io.tokenwatch.audit.store;

import java.util.List;

/**
 * The outcome of one batched append.
 *
 * @param stored events stored
 * @param duplicates events skipped because their event id was already stored (or repeated in the
 *     batch)
 * @param collisions ids of events not stored because a different event id already holds their
 *     {@link EventKey key} (astronomically unlikely by chance, see there); the caller reports them
 */
public record AppendResult(int stored, int duplicates, List<String> collisions) {

  public AppendResult {
    collisions = List.copyOf(collisions);
  }

  /** A result without collisions. */
  public AppendResult(int stored, int duplicates) {
    this(stored, duplicates, List.of());
  }
}
