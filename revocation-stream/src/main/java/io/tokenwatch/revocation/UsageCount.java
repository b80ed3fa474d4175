package io.tokenwatch.revocation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * The global count of allowed uses of one token.
 *
 * @param count allowed uses seen so far
 * @param forgetAt when the count may be dropped: the token's expiry plus clock skew, or an upper
 *     bound of it while the token itself is not yet known
 * @param maxUsesRevoked whether the max-use revocation has been emitted, so it is emitted once
 */
public record UsageCount(long count, Instant forgetAt, boolean maxUsesRevoked) {

  public UsageCount {
    requireNonNull(forgetAt, "forgetAt");
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative, was " + count);
    }
  }

  /** This count plus one use. */
  public UsageCount plusOne() {
    return new UsageCount(count + 1, forgetAt, maxUsesRevoked);
  }

  /** This count with the max-use revocation marked as emitted. */
  public UsageCount revoked() {
    return new UsageCount(count, forgetAt, true);
  }

  /** This count forgotten at {@code at} instead. */
  public UsageCount forgetAt(Instant at) {
    return new UsageCount(count, at, maxUsesRevoked);
  }
}
