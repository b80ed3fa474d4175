package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alert;
import java.util.List;

/**
 * What the per-token rules on a use forward: an alert, or a signal handed on to the per-client
 * rules. The topology splits them with {@link #alerts()} and {@link #signals()}.
 */
sealed interface TokenOutput permits TokenOutput.Raised, TokenOutput.HandedOn {

  /** The alert this output is, if it is one. */
  default List<Alert> alerts() {
    return List.of();
  }

  /** The per-client signal this output is, if it is one. */
  default List<ClientSignal> signals() {
    return List.of();
  }

  /** An alert of a per-token rule. */
  record Raised(Alert alert) implements TokenOutput {

    public Raised {
      requireNonNull(alert, "alert");
    }

    @Override
    public List<Alert> alerts() {
      return List.of(alert);
    }
  }

  /** A signal for the per-client rules, keyed by client id. */
  record HandedOn(ClientSignal signal) implements TokenOutput {

    public HandedOn {
      requireNonNull(signal, "signal");
    }

    @Override
    public List<ClientSignal> signals() {
      return List.of(signal);
    }
  }
}
