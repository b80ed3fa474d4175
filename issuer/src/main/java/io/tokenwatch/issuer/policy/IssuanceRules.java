package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenyReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The exact-scope rule: a request is approved only if policy approves every part of it, and refused
 * whole otherwise. Nothing is silently narrowed: asking for one unapproved scope among approved
 * ones is an {@code invalid_scope}, not a token with fewer scopes. Lifetime and use limit may only
 * narrow policy. Stateless.
 */
public final class IssuanceRules {

  private IssuanceRules() {}

  /**
   * Checks a request of an authenticated client.
   *
   * @param client the authenticated client
   * @param audience the requested audience
   * @param requested the requested scopes, in request order, without duplicates
   * @param ttl the requested lifetime, or null for the rule's default
   * @param maxUses the requested use limit, or null for the rule's
   * @param offered the bindings the request offers proof for (a valid DPoP proof, a verified client
   *     certificate); the token is bound to the one policy requires, else to DPoP when offered,
   *     else to the certificate when offered
   */
  public static Decision decide(
      ClientPolicy client,
      String audience,
      List<String> requested,
      @Nullable Duration ttl,
      @Nullable Integer maxUses,
      Set<Binding> offered) {
    requireNonNull(client, "client");
    requireNonNull(audience, "audience");
    requireNonNull(requested, "requested");
    requireNonNull(offered, "offered");
    AudienceRule rule = client.rule(audience).orElse(null);
    if (rule == null) {
      // The client's entry decided: it lists no rule for this audience. Naming it keeps the
      // refusal traceable to the policy, as every decision must be.
      return new Decision.Denied(
          IssuanceDenyReason.AUDIENCE_NOT_ALLOWED,
          OAuthError.INVALID_TARGET,
          "client " + client.clientId() + " may not get tokens for audience " + audience,
          client.clientId(),
          List.of());
    }
    List<String> allowed = rule.scopes().stream().sorted().toList();
    if (requested.isEmpty()) {
      return new Decision.Denied(
          IssuanceDenyReason.SCOPE_NOT_APPROVED,
          OAuthError.INVALID_SCOPE,
          "no scope requested; name the scopes you need",
          rule.ruleId(),
          allowed);
    }
    List<String> unapproved = new ArrayList<>();
    for (String scope : requested) {
      if (!rule.scopes().contains(scope)) {
        unapproved.add(scope);
      }
    }
    if (!unapproved.isEmpty()) {
      return new Decision.Denied(
          IssuanceDenyReason.SCOPE_NOT_APPROVED,
          OAuthError.INVALID_SCOPE,
          "scope(s) "
              + String.join(" ", unapproved)
              + " not approved for client "
              + client.clientId()
              + " and audience "
              + audience,
          rule.ruleId(),
          allowed);
    }
    if (ttl != null && ttl.compareTo(rule.maxTtl()) > 0) {
      return new Decision.Denied(
          IssuanceDenyReason.TTL_ABOVE_POLICY,
          OAuthError.INVALID_REQUEST,
          "requested lifetime "
              + ttl.toSeconds()
              + " s exceeds the policy maximum of "
              + rule.maxTtl().toSeconds()
              + " s",
          rule.ruleId(),
          allowed);
    }
    if (maxUses != null && rule.maxUses() != null && maxUses > rule.maxUses()) {
      return new Decision.Denied(
          IssuanceDenyReason.MAX_USES_ABOVE_POLICY,
          OAuthError.INVALID_REQUEST,
          "requested max_uses " + maxUses + " exceeds the policy maximum of " + rule.maxUses(),
          rule.ruleId(),
          allowed);
    }
    if (rule.binding() != Binding.NONE && !offered.contains(rule.binding())) {
      return new Decision.Denied(
          IssuanceDenyReason.BINDING_REQUIRED,
          rule.binding() == Binding.DPOP
              ? OAuthError.INVALID_DPOP_PROOF
              : OAuthError.INVALID_REQUEST,
          "policy requires a "
              + rule.binding().name().toLowerCase(Locale.ROOT)
              + "-bound token for this audience; the request offers "
              + (offered.isEmpty() ? "no proof" : offered.toString().toLowerCase(Locale.ROOT)),
          rule.ruleId(),
          allowed);
    }
    return new Decision.Approved(
        rule,
        requested,
        ttl == null ? rule.defaultTtl() : ttl,
        maxUses != null ? maxUses : rule.maxUses(),
        binding(rule, offered));
  }

  private static Binding binding(AudienceRule rule, Set<Binding> offered) {
    if (rule.binding() != Binding.NONE) {
      return rule.binding();
    }
    if (offered.contains(Binding.DPOP)) {
      return Binding.DPOP;
    }
    return offered.contains(Binding.MTLS) ? Binding.MTLS : Binding.NONE;
  }
}
