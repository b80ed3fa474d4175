package io.tokenwatch.validator;

import java.time.Instant;

/**
 * Told about every decision a {@link TokenValidator} takes, e.g. to report usage. Called on the
 * validating thread: implementations must return quickly, never block and never throw (a thrown
 * exception is logged and ignored; the decision stands).
 */
@FunctionalInterface
public interface DecisionListener {

  /** Ignores every decision. */
  DecisionListener NONE = (request, decision, at) -> {};

  /**
   * @param request what was presented
   * @param decision what was decided
   * @param at when, by the validator's clock
   */
  void onDecision(TokenRequest request, Decision decision, Instant at);
}
