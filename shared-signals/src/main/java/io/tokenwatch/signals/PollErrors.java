package io.tokenwatch.signals;

import java.util.List;

/** Where SETs a receiver reported as errors are recorded for operators. Thread-safe. */
public interface PollErrors {

  /**
   * Records {@code errors} of {@code stream}'s receiver; returns once they are durable.
   *
   * @throws IllegalStateException when they could not be made durable (retriable)
   */
  void record(SignalStream stream, List<PollState.Reported> errors);
}
