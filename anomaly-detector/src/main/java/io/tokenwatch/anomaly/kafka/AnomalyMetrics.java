package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.Severity;
import io.tokenwatch.schemas.streams.DeadLetterListener;

/**
 * What the topology reports while it runs. Implementations must be thread-safe: every stream thread
 * calls them.
 */
public interface AnomalyMetrics extends DeadLetterListener {

  /** Reports nothing. */
  AnomalyMetrics NONE =
      new AnomalyMetrics() {
        @Override
        public void deadLetter(String sourceTopic, String errorClass) {}

        @Override
        public void evaluated(String input, long eventTimeMs) {}

        @Override
        public void alertRaised(Rule rule, Severity severity, boolean autoResponse) {}

        @Override
        public void suppressed(Rule rule) {}
      };

  /** An event of {@code input} was evaluated; its event time, for the evaluation lag. */
  void evaluated(String input, long eventTimeMs);

  /** An alert was raised (and, when {@code autoResponse}, a revocation requested). */
  void alertRaised(Rule rule, Severity severity, boolean autoResponse);

  /** A finding was suppressed as a repeat of an incident that already alerted. */
  void suppressed(Rule rule);

  /**
   * An event of {@code source} (a {@link ClientSignal.SourceKind}) came later than the allowed
   * lateness on its partition: the per-token rules saw it, the per-client rules do not.
   */
  default void lateSignal(String source) {}
}
