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
 * @param userConsent whether a person may consent to the client acting for them with these scopes
 *     (authorization code flow); without it the client gets tokens for this audience only for
 *     itself or by token exchange
 * @param consentTtl how long a consent under this rule lasts at most; every token derived from the
 *     consent ends with it
 */
public record AudienceRule(
    String ruleId,
    String audience,
    Set<String> scopes,
    Duration defaultTtl,
    Duration maxTtl,
    @Nullable Integer maxUses,
    Binding binding,
    @Nullable Duration refreshTtl,
    boolean userConsent,
    Duration consentTtl) {

  /** How long a consent lasts when the rule says nothing. */
  public static final Duration DEFAULT_CONSENT_TTL = Duration.ofDays(30);

  /** The longest consent a rule may allow: a person reconsiders at least once a year. */
  public static final Duration MAX_CONSENT_TTL = Duration.ofDays(365);

  /** A rule people cannot consent to. */
  public AudienceRule(
      String ruleId,
      String audience,
      Set<String> scopes,
      Duration defaultTtl,
      Duration maxTtl,
      @Nullable Integer maxUses,
      Binding binding,
      @Nullable Duration refreshTtl) {
    this(
        ruleId,
        audience,
        scopes,
        defaultTtl,
        maxTtl,
        maxUses,
        binding,
        refreshTtl,
        false,
        DEFAULT_CONSENT_TTL);
  }

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
    requireNonNull(consentTtl, "consentTtl");
    if (consentTtl.isNegative()
        || consentTtl.isZero()
        || consentTtl.compareTo(MAX_CONSENT_TTL) > 0) {
      throw new IllegalArgumentException("consentTtl must be positive and at most 365 days");
    }
  }
}
