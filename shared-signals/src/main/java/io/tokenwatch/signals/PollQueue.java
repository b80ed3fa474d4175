package io.tokenwatch.signals;

import java.time.Duration;
import java.util.List;

/** Where poll streams' SETs wait: one ordered queue per stream. Implementations are thread-safe. */
public interface PollQueue {

  /**
   * Reads the stream's SETs from position {@code from} on.
   *
   * @param limit the most SETs to collect; the scan stops after that many
   * @throws IllegalStateException when the queue cannot be read right now (retriable)
   */
  Scan scan(String streamId, long from, int limit);

  /**
   * Waits until a SET of the stream may have arrived at or after {@code from}, or {@code timeout}
   * passes. May return early (a spurious wake-up costs one scan). With {@code from} {@link
   * Long#MAX_VALUE} it waits for {@code timeout} (or until closed).
   *
   * @return false when the time ran out with nothing arrived
   * @throws InterruptedException when interrupted
   */
  boolean awaitArrival(String streamId, long from, Duration timeout) throws InterruptedException;

  /**
   * One read of a stream's queue.
   *
   * @param sets the stream's SETs found, in queue order
   * @param end the position after the last one examined
   * @param complete whether {@code end} was the end of the queue when read
   */
  record Scan(List<PollSet> sets, long end, boolean complete) {
    public Scan {
      sets = List.copyOf(sets);
    }
  }
}
