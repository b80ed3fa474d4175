package io.tokenwatch.validator.kafka;

/**
 * Told of every revocation record the {@link RevocationFeed} applies (tombstones and records it
 * skips are not revocations applied). Called on the feed's thread, in the order the records were
 * applied: it must return quickly and never block, or the feed falls behind. An exception it throws
 * is logged and otherwise ignored.
 */
@FunctionalInterface
public interface AppliedRevocationListener {

  /** {@code applied} was just applied to the validator's revocations. */
  void onApplied(AppliedRevocation applied);
}
