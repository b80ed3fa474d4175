package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenyReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The exact-scope rule: a request is approved only if policy approves every part of it, and refused
 * whole otherwise. Nothing is silently narrowed: asking for one unapproved scope among approved
 * ones is an {@code invalid_scope}, not a token with fewer scopes. Lifetime and use limit may only
 * narrow policy. A {@link PolicyException} in force may add scopes to a client's rule for an
 * audience for a while: a token that needs one is issued under the exception (its id is the rule)
 * and never outlives it. Stateless.
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
    return decide(client, audience, requested, ttl, maxUses, offered, List.of(), Instant.MIN);
  }

  /**
   * Checks a request as {@link #decide(ClientPolicy, String, List, Duration, Integer, Set)} does,
   * and when the client's rule lacks some requested scopes, looks for an exception in force at
   * {@code now} for that client and audience that adds all of them. Under an exception the rule is
   * the client's rule widened by the exception's scopes and named by the exception id, without
   * refresh tokens (a refresh grant would outlive it), and the lifetime is cut to end no later than
   * the exception: the default lifetime silently, a requested one that goes past it is refused.
   *
   * @param exceptions the exceptions known now, in force or not
   * @param now the instant the request is decided at
   */
  public static Decision decide(
      ClientPolicy client,
      String audience,
      List<String> requested,
      @Nullable Duration ttl,
      @Nullable Integer maxUses,
      Set<Binding> offered,
      List<PolicyException> exceptions,
      Instant now) {
    requireNonNull(client, "client");
    requireNonNull(audience, "audience");
    requireNonNull(requested, "requested");
    requireNonNull(offered, "offered");
    requireNonNull(exceptions, "exceptions");
    requireNonNull(now, "now");
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
    PolicyException exception = null;
    if (!unapproved.isEmpty()) {
      exception = exceptionFor(client.clientId(), audience, unapproved, exceptions, now);
      if (exception != null) {
        rule = widened(rule, exception);
      }
    }
    if (!unapproved.isEmpty() && exception == null) {
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
    Duration granted = ttl == null ? rule.defaultTtl() : ttl;
    Instant notAfter = null;
    if (exception != null) {
      notAfter = exception.until();
      Duration left = Duration.ofSeconds(Duration.between(now, notAfter).toSeconds());
      if (granted.compareTo(left) > 0) {
        if (ttl != null) {
          return new Decision.Denied(
              IssuanceDenyReason.TTL_ABOVE_POLICY,
              OAuthError.INVALID_REQUEST,
              "requested lifetime "
                  + ttl.toSeconds()
                  + " s goes past the end of exception "
                  + exception.id()
                  + " at "
                  + notAfter,
              rule.ruleId(),
              allowed);
        }
        granted = left;
      }
    }
    return new Decision.Approved(
        rule,
        requested,
        granted,
        maxUses != null ? maxUses : rule.maxUses(),
        binding(rule, offered),
        notAfter);
  }

  /**
   * The exception in force that adds every scope of {@code missing} for that client and audience,
   * the one that lasts longest when several do; null when none does. One with less than a second
   * left counts as ended: a token lives whole seconds.
   */
  private static @Nullable PolicyException exceptionFor(
      String clientId,
      String audience,
      List<String> missing,
      List<PolicyException> exceptions,
      Instant now) {
    PolicyException best = null;
    for (PolicyException exception : exceptions) {
      if (exception.clientId().equals(clientId)
          && exception.audience().equals(audience)
          && exception.inForceAt(now)
          && Duration.between(now, exception.until()).toSeconds() >= 1
          && exception.scopes().containsAll(missing)
          && (best == null || exception.until().isAfter(best.until()))) {
        best = exception;
      }
    }
    return best;
  }

  private static AudienceRule widened(AudienceRule rule, PolicyException exception) {
    Set<String> scopes = new HashSet<>(rule.scopes());
    scopes.addAll(exception.scopes());
    return new AudienceRule(
        exception.id(),
        rule.audience(),
        scopes,
        rule.defaultTtl(),
        rule.maxTtl(),
        rule.maxUses(),
        rule.binding(),
        null);
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
