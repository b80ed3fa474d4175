package io.tokenwatch.issuer.access;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * A person acting on access requests.
 *
 * @param id who they are (their user id), compared exactly
 * @param duties what they may do besides asking
 */
public record Actor(String id, Set<Duty> duties) {
  public Actor {
    requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    duties = Set.copyOf(requireNonNull(duties, "duties"));
  }

  /** Whether they hold {@code duty}. */
  public boolean has(Duty duty) {
    return duties.contains(duty);
  }
}
