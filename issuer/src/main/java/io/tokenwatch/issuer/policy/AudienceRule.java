package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one client may get for one audience: the policy rule stamped on every token it approves.
 *
 * @param ruleId stable id of the rule ({@code <client>/<audience>}), recorded in events
 * @param audience the resource server
 * @param scopes scopes the client may request for it; a request naming any other is refused
 * @param defaultTtl lifetime when the request names none
 * @param maxTtl the longest lifetime a request may ask for
 * @param maxUses use limit stamped on every token, or null for none; requests may only lower it
 * @param binding channel binding every token for this audience must carry ({@link Binding#NONE}:
 *     optional, used when the client offers one)
 * @param refreshTtl lifetime of a refresh grant, or null when no refresh token is issued
 */
public record AudienceRule(
    String ruleId,
    String audience,
    Set<String> scopes,
    Duration defaultTtl,
    Duration maxTtl,
    @Nullable Integer maxUses,
    Binding binding,
    @Nullable Duration refreshTtl) {

  public AudienceRule {
    requireNonNull(ruleId, "ruleId");
    requireNonNull(audience, "audience");
    scopes = Set.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(defaultTtl, "defaultTtl");
    requireNonNull(maxTtl, "maxTtl");
    requireNonNull(binding, "binding");
    if (defaultTtl.compareTo(maxTtl) > 0) {
      throw new IllegalArgumentException("defaultTtl must not exceed maxTtl");
    }
  }
}
