package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

/**
 * One SET of a poll stream as it sits in the stream's queue.
 *
 * @param offset its position in the queue; positions grow with arrival but need not be contiguous
 *     (other streams' SETs share the queue)
 * @param jti the SET's {@code jti}, which receivers acknowledge it by
 * @param compact the signed SET's compact serialization
 */
public record PollSet(long offset, String jti, String compact) {

  public PollSet {
    requireNonNull(jti, "jti");
    requireNonNull(compact, "compact");
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0");
    }
    if (jti.isEmpty()) {
      throw new IllegalArgumentException("jti must not be empty");
    }
  }

  @Override
  public String toString() {
    return "PollSet[" + jti + "@" + offset + "]";
  }
}
