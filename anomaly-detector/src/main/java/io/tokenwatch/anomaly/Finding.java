package io.tokenwatch.anomaly;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
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
 * @param covers what this finding adds to its incident, as {@code kind:value} items ({@code
 *     subject:alice}, {@code token:t1}, {@code network:10.1.2.0/24}, ...): an incident alerts once
 *     and is updated when a later finding covers something it did not
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
    @Nullable Target response,
    List<String> covers) {

  public Finding {
    requireNonNull(rule, "rule");
    requireNonNull(incidentKey, "incidentKey");
    requireNonNull(summary, "summary");
    requireNonNull(evidence, "evidence");
    covers = List.copyOf(requireNonNull(covers, "covers"));
  }

  /** A finding that covers its subject and token (whichever it names). */
  public Finding(
      Rule rule,
      String incidentKey,
      @Nullable String subject,
      @Nullable String clientId,
      @Nullable String tokenId,
      @Nullable String grantId,
      String summary,
      Evidence evidence,
      @Nullable Target response) {
    this(
        rule,
        incidentKey,
        subject,
        clientId,
        tokenId,
        grantId,
        summary,
        evidence,
        response,
        namedIn(subject, tokenId));
  }

  private static List<String> namedIn(@Nullable String subject, @Nullable String tokenId) {
    List<String> items = new ArrayList<>(2);
    if (subject != null) {
      items.add("subject:" + subject);
    }
    if (tokenId != null) {
      items.add("token:" + tokenId);
    }
    return items;
  }
}
