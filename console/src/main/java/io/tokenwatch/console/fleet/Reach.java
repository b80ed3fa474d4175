package io.tokenwatch.console.fleet;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/** Whether a revocation has reached one validator. */
public sealed interface Reach {

  /**
   * It has.
   *
   * @param at when the validator applied it ({@code exact}), or the first report showing its feed
   *     past the revocation's record (the validator applied it at or before then)
   * @param took from the record's production to {@code at}
   * @param exact whether the validator listed the record it applied (else inferred from its feed
   *     position, an upper bound)
   */
  record Reached(Instant at, Duration took, boolean exact) implements Reach {
    public Reached {
      requireNonNull(at, "at");
      requireNonNull(took, "took");
      if (took.isNegative()) {
        took = Duration.ZERO;
      }
    }
  }

  /** Not yet: no report of it lists the revocation or shows its feed past the record. */
  record NotYet() implements Reach {}
}
