package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Rule;
import org.jspecify.annotations.Nullable;

/**
 * An alert a scenario must raise: its rule, its key on the alert topic (the subject, or {@code
 * client:<id>} for an alert without one) and its token (null where the rule has none).
 */
public record Expected(Rule rule, @Nullable String key, @Nullable String tokenId) {
  public Expected {
    requireNonNull(rule, "rule");
  }
}
