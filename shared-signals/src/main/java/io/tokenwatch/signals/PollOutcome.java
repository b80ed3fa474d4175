package io.tokenwatch.signals;

import java.util.List;

/** The answer to one poll. */
public sealed interface PollOutcome {

  /**
   * SETs for the receiver (none when none arrived in time or the stream is paused).
   *
   * @param sets the SETs, in queue order
   * @param moreAvailable whether more pending SETs are available right away
   */
  record Delivered(List<PollSet> sets, boolean moreAvailable) implements PollOutcome {
    public Delivered {
      sets = List.copyOf(sets);
    }
  }

  /** The stream does not exist or belongs to another receiver. */
  record NotFound() implements PollOutcome {}

  /** The stream is delivered by push, not poll. */
  record NotPolled() implements PollOutcome {}

  /**
   * The stream is disabled: its pending SETs were discarded (SSF: a disabled stream holds nothing)
   * and none is returned.
   *
   * @param discarded how many pending SETs this poll discarded
   */
  record Disabled(int discarded) implements PollOutcome {}
}
