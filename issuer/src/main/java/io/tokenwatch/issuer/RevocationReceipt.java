package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

/**
 * Where a revocation the issuer recorded landed: the {@code RevocationRequested} event's id and
 * position, and the position of the same revocation on the fast path validators follow. A console
 * compares the fast-path position with each validator's reported position on that topic to show the
 * revocation reaching it.
 *
 * @param eventId the {@code RevocationRequested} event's id
 * @param request where that event landed
 * @param fastPath where the fast-path {@code Revocation} landed
 */
public record RevocationReceipt(String eventId, Landed request, Landed fastPath) {

  public RevocationReceipt {
    requireNonNull(eventId, "eventId");
    requireNonNull(request, "request");
    requireNonNull(fastPath, "fastPath");
  }

  /**
   * One record's position.
   *
   * @param topic the topic's name
   * @param partition its partition
   * @param offset its offset in the partition
   */
  public record Landed(String topic, int partition, long offset) {
    public Landed {
      requireNonNull(topic, "topic");
      if (partition < 0 || offset < 0) {
        throw new IllegalArgumentException("partition and offset are never negative");
      }
    }
  }
}
