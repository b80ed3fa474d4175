package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A rule's condition was met: the raw result of a detector, before suppression, severity and
 * auto-response turn it into an {@link Alert}.
 *
 * @param rule the rule whose condition was met
 * @param incidentKey what the rule fired on (e.g. the token id, or client and network); with the
 *     rule it identifies the incident for suppression and, with the incident start, the alert id
 * @param response what an automatic response would revoke; null for a rule that fires on nothing
 *     revocable (a validator)
 */
public record Finding(
    Rule rule,
    String incidentKey,
    @Nullable String subject,
    @Nullable String clientId,
    @Nullable String tokenId,
    @Nullable String grantId,
    String summary,
    Evidence evidence,
    @Nullable Target response) {

  public Finding {
    requireNonNull(rule, "rule");
    requireNonNull(incidentKey, "incidentKey");
    requireNonNull(summary, "summary");
    requireNonNull(evidence, "evidence");
  }
}
