package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

/**
 * One entry of the scope catalogue.
 *
 * @param name the scope as it appears in the {@code scope} claim
 * @param description what it lets the holder do, in plain language
 * @param risk how much harm it can do
 */
public record ScopeDefinition(String name, String description, RiskLevel risk) {
  public ScopeDefinition {
    requireNonNull(name, "name");
    requireNonNull(description, "description");
    requireNonNull(risk, "risk");
  }
}
