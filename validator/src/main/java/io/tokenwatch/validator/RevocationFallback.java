package io.tokenwatch.validator;

/**
 * Asked when the revocation feed is not ready or staler than its budget: an authority that knows
 * whether a token is still active (the revocation stream's introspection endpoint). Without one, a
 * stale feed means {@link DenyReason#FEED_STALE}: fail closed.
 *
 * <p>Implementations must be thread-safe and bounded in time; any failure is {@link
 * Answer#UNKNOWN}, which still denies.
 */
@FunctionalInterface
public interface RevocationFallback {

  /** No fallback: a stale feed denies. */
  RevocationFallback NONE = token -> Answer.UNKNOWN;

  /** What the authority said. */
  enum Answer {
    /** Known, not revoked, not expired. */
    ACTIVE,
    /** Revoked, expired or unknown to the authority. */
    INACTIVE,
    /** No answer (unreachable, refused, malformed): deny as stale. */
    UNKNOWN
  }

  /** Whether {@code token}, already verified locally, is still active. */
  Answer check(VerifiedToken token);
}
