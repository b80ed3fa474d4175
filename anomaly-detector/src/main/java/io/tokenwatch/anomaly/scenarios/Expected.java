package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Rule;
import org.jspecify.annotations.Nullable;

/** An alert a scenario must raise: its rule, subject and token (null where the rule has none). */
public record Expected(Rule rule, @Nullable String subject, @Nullable String tokenId) {
  public Expected {
    requireNonNull(rule, "rule");
  }
}
