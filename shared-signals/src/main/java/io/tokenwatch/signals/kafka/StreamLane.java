package io.tokenwatch.signals.kafka;

import java.util.ArrayDeque;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One push stream's SETs on one partition of {@code tokenwatch.ssf-events}: those waiting for
 * delivery, in offset order, at most {@code buffer} of them in memory; beyond that the lane stops
 * buffering and is later refilled by re-reading the partition from where it stopped (catch-up).
 *
 * <p>The poller {@link #offer}s records; one delivery task at a time takes the {@link #head} and
 * reports {@link #delivered}; {@link #needs} is the lowest offset the lane still needs, which the
 * group's committed offset must never pass. Thread-safe: every method holds the lane's monitor.
 */
class StreamLane {

  /** A SET waiting for delivery. */
  record Pending(long offset, String set, long timestamp, String jti) {}

  final String streamId;
  private final int buffer;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private long nextEnqueue;
  private boolean catchingUp;
  private long catchFrom;
  private boolean scheduled;
  private boolean closed;
  private boolean ignored;
  private int failures;
  private @Nullable String lastError;

  /**
   * @param cursor the next offset to deliver, as last recorded for the stream; earlier records are
   *     skipped
   */
  StreamLane(String streamId, long cursor, int buffer) {
    this.streamId = streamId;
    this.nextEnqueue = cursor;
    this.buffer = buffer;
  }

  /**
   * The poller read the stream's record at {@code offset}.
   *
   * @return whether a delivery task must be scheduled for the lane
   */
  synchronized boolean offer(long offset, Supplier<Pending> pending) {
    if (closed || ignored || offset < nextEnqueue || catchingUp) {
      return false;
    }
    if (queue.size() >= buffer) {
      catchingUp = true;
      catchFrom = offset;
      return false;
    }
    queue.addLast(pending.get());
    nextEnqueue = offset + 1;
    boolean schedule = !scheduled;
    scheduled = true;
    return schedule;
  }

  /** The lowest offset the lane still needs, or {@code Long.MAX_VALUE}. */
  synchronized long needs() {
    if (!queue.isEmpty()) {
      return queue.peekFirst().offset();
    }
    return catchingUp ? catchFrom : Long.MAX_VALUE;
  }

  /**
   * The oldest undelivered SET; null when there is none in memory. When there is nothing to do at
   * all (closed, or empty and not catching up), the lane is marked unscheduled.
   */
  synchronized @Nullable Pending head(boolean running) {
    if (closed || !running || (queue.isEmpty() && !catchingUp)) {
      scheduled = false;
      return null;
    }
    return queue.peekFirst();
  }

  /** The SET at {@code offset} was delivered (or given up); returns the new cursor. */
  synchronized long delivered(long offset) {
    if (!queue.isEmpty() && queue.peekFirst().offset() == offset) {
      queue.pollFirst();
    }
    failures = 0;
    lastError = null;
    return cursor();
  }

  private long cursor() {
    if (!queue.isEmpty()) {
      return queue.peekFirst().offset();
    }
    return catchingUp ? catchFrom : nextEnqueue;
  }

  /** Skips everything pending (disabled or gone stream); returns the new cursor. */
  synchronized long skipAll(long pollerNext) {
    queue.clear();
    if (catchingUp) {
      catchingUp = false;
      nextEnqueue = Math.max(nextEnqueue, pollerNext);
    }
    failures = 0;
    return nextEnqueue;
  }

  /** A poll stream: its SETs are none of push delivery's business, now and later. */
  synchronized void ignore() {
    ignored = true;
    queue.clear();
    catchingUp = false;
    scheduled = false;
  }

  /** Where catch-up reading starts, when the lane is catching up. */
  synchronized OptionalLong catchUpFrom() {
    return catchingUp && !closed ? OptionalLong.of(catchFrom) : OptionalLong.empty();
  }

  /**
   * Catch-up read the partition up to {@code position} (exclusive) and found {@code found}, the
   * stream's records there, in offset order. Once it reached {@code pollerNext} (re-read by the
   * caller after reading), the poller feeds the lane again.
   */
  synchronized void caughtUp(List<Pending> found, long position, long pollerNext) {
    for (Pending pending : found) {
      if (pending.offset() >= nextEnqueue) {
        queue.addLast(pending);
        nextEnqueue = pending.offset() + 1;
      }
    }
    nextEnqueue = Math.max(nextEnqueue, position);
    catchFrom = position;
    if (position >= pollerNext) {
      catchingUp = false;
    }
  }

  /** A push failed; returns how many times in a row. */
  synchronized int failed(String error) {
    lastError = error;
    return ++failures;
  }

  synchronized @Nullable String lastError() {
    return lastError;
  }

  synchronized int pendingInMemory() {
    return queue.size();
  }

  synchronized boolean behind() {
    return catchingUp || (failures > 0 && !queue.isEmpty());
  }

  synchronized void close() {
    closed = true;
  }
}
