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

  /**
   * At most how many of the latest applied revocations this listener keeps, however many it is told
   * of: the feed then tells it one by one of no more than that many of one poll's records (the
   * latest), and of the older ones only by their count ({@link #onPassedOver}). Default: every one
   * is told.
   */
  default int keepsAtMost() {
    return Integer.MAX_VALUE;
  }

  /**
   * {@code count} revocations were applied, before those told of next, that this listener is not
   * told of one by one because it would keep none of them (see {@link #keepsAtMost()}).
   */
  default void onPassedOver(long count) {}
}
