package io.tokenwatch.console.fleet;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Something wrong with a validator, said in words: the fleet page shows it in red and in text, not
 * in colour alone.
 */
public sealed interface Problem {

  /** What is wrong, for people. */
  String text();

  /**
   * No report for longer than {@link Fleet#OVERDUE_INTERVALS} of its own reporting intervals: the
   * validator stopped, lost the broker or hangs.
   *
   * @param silentFor time since its last report
   * @param allowed how long a report may take
   */
  record Overdue(Duration silentFor, Duration allowed) implements Problem {
    public Overdue {
      requireNonNull(silentFor, "silentFor");
      requireNonNull(allowed, "allowed");
    }

    @Override
    public String text() {
      return "overdue: no report for "
          + Durations.words(silentFor)
          + " (allowed "
          + Durations.words(allowed)
          + ")";
    }
  }

  /** Its feed has not bootstrapped: it denies every token. */
  record NotReady() implements Problem {
    @Override
    public String text() {
      return "not ready: its revocation feed has not caught up since it started";
    }
  }

  /**
   * Its feed is further behind than the budget: it may let a revoked token through, or denies with
   * FEED_STALE.
   */
  record Stale(Duration staleness, Duration budget) implements Problem {
    public Stale {
      requireNonNull(staleness, "staleness");
      requireNonNull(budget, "budget");
    }

    @Override
    public String text() {
      return "stale: feed "
          + Durations.words(staleness)
          + " behind (budget "
          + Durations.words(budget)
          + ")";
    }
  }
}
