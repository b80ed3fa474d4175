package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;

/**
 * Serialises changes to one refresh grant's state on this instance: a refresh reads the state,
 * checks the presented token is the newest and writes the rotated state as one step, so two
 * presentations of one token cannot both rotate it (the second is a reuse), and a revocation never
 * interleaves with a rotation. Striped: a fixed set of monitors, shared by grants whose ids hash
 * alike, so memory does not grow with grants. Across instances the grant log decides ({@link
 * GrantFold}); the lock spares this instance the losing rotations it can foresee. Thread-safe.
 */
public final class GrantLocks {

  private static final int STRIPES = 64;

  private final Object[] stripes = new Object[STRIPES];

  public GrantLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  /** Runs {@code change} holding the lock of {@code grantId}, and returns what it returns. */
  public <T> T change(String grantId, Supplier<T> change) {
    requireNonNull(change, "change");
    synchronized (lockFor(grantId)) {
      return change.get();
    }
  }

  /** Runs {@code change} holding the lock of {@code grantId}. */
  public void run(String grantId, Runnable change) {
    requireNonNull(change, "change");
    synchronized (lockFor(grantId)) {
      change.run();
    }
  }

  private Object lockFor(String grantId) {
    return stripes[Math.floorMod(requireNonNull(grantId, "grantId").hashCode(), STRIPES)];
  }
}
