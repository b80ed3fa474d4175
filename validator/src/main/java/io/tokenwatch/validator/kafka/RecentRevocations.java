package io.tokenwatch.validator.kafka;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The revocations a validator applied since its last status report, bounded: beyond {@link
 * #capacity()} the oldest is dropped and counted, so a burst of revocations never grows memory and
 * the count still says how many went unlisted. Revocations listed in a report that was then not
 * delivered are handed back with {@link #lost(Drained)} and counted the same way, so that every
 * applied revocation is either listed in exactly one delivered report or counted in exactly one.
 *
 * <p>Thread-safe: the feed's thread adds, the reporter's thread drains.
 */
public final class RecentRevocations implements AppliedRevocationListener {

  /** What a report takes: the revocations still held, oldest first, and how many went unlisted. */
  public record Drained(List<AppliedRevocation> applied, long dropped) {

    public Drained {
      applied = List.copyOf(applied);
      if (dropped < 0) {
        throw new IllegalArgumentException("dropped must be >= 0: " + dropped);
      }
    }
  }

  private final int capacity;
  private final ArrayDeque<AppliedRevocation> held;
  private long dropped;
  private long droppedTotal;

  /**
   * @param capacity at most this many are held between reports; at least 1
   */
  public RecentRevocations(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
    }
    this.capacity = capacity;
    this.held = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /** The bound on revocations held between reports. */
  public int capacity() {
    return capacity;
  }

  /** Holds {@code applied} for the next report, dropping (and counting) the oldest when full. */
  @Override
  public synchronized void onApplied(AppliedRevocation applied) {
    if (held.size() == capacity) {
      held.removeFirst();
      dropped++;
      droppedTotal++;
    }
    held.addLast(applied);
  }

  /** The capacity: of a burst, only the latest this many are held. */
  @Override
  public int keepsAtMost() {
    return capacity;
  }

  /**
   * Counts {@code count} revocations as dropped, as holding them would have: the {@link
   * #capacity()} told of next push them out before any report could list them.
   */
  @Override
  public synchronized void onPassedOver(long count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0: " + count);
    }
    dropped += count;
    droppedTotal += count;
  }

  /** Takes everything held and the count of those that went unlisted since the last drain. */
  public synchronized Drained drain() {
    Drained drained = new Drained(List.copyOf(held), dropped);
    held.clear();
    dropped = 0;
    return drained;
  }

  /**
   * Hands back what an undelivered report accounted for, to be counted in the next drain: {@code
   * undelivered.applied()} it listed and {@code undelivered.dropped()} it counted.
   */
  public synchronized void lost(Drained undelivered) {
    dropped += undelivered.applied().size() + undelivered.dropped();
    droppedTotal += undelivered.applied().size();
  }

  /** Revocations no report listed since this buffer was made (overflow and undelivered). */
  public synchronized long droppedTotal() {
    return droppedTotal;
  }
}
