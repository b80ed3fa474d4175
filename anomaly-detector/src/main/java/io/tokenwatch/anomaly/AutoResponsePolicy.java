package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which alerts revoke automatically: those of an opted-in rule with at least the minimum severity.
 * Off (no rule) by default.
 */
public record AutoResponsePolicy(Set<Rule> rules, Severity minSeverity) {

  /** Never responds. */
  public static final AutoResponsePolicy OFF = new AutoResponsePolicy(Set.of(), Severity.CRITICAL);

  public AutoResponsePolicy {
    rules = rules.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(requireNonNull(rules, "rules")));
    requireNonNull(minSeverity, "minSeverity");
  }

  /** Whether an alert of {@code rule} at {@code severity} revokes. */
  public boolean responds(Rule rule, Severity severity) {
    return rules.contains(rule) && severity.atLeast(minSeverity);
  }
}
