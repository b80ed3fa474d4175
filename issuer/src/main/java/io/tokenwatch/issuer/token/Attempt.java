package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.GrantType;
import io.tokenwatch.issuer.policy.Binding;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Decision;
import io.tokenwatch.issuer.policy.IssuanceRules;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one token request is about, filled in as it is read and checked, so that a refusal at any
 * step records as much as was known (the {@code IssuanceDenied} event's fields). Confined to the
 * thread handling the request.
 */
final class Attempt {
  final TokenRequest request;

  /** The policy in force for this request, read once so every step judges by the same version. */
  final Policy policy;

  String clientId = "(none)";
  GrantType grantType = GrantType.UNKNOWN;
  @Nullable String subject;
  @Nullable String audience;
  List<String> scopes = List.of();
  @Nullable Long ttlSeconds;
  @Nullable Integer maxUses;
  @Nullable String parentTokenId;
  @Nullable String grantId;

  /** The policy exceptions known when the request arrived, read once like the policy. */
  final List<PolicyException> exceptions;

  /** When the request arrived: exceptions are judged in force or not at this instant. */
  final Instant receivedAt;

  Attempt(TokenRequest request, Policy policy) {
    this(request, policy, List.of(), Instant.MIN);
  }

  Attempt(TokenRequest request, Policy policy, List<PolicyException> exceptions, Instant now) {
    this.request = request;
    this.policy = policy;
    this.exceptions = List.copyOf(exceptions);
    this.receivedAt = now;
  }

  /** The lifetime asked for, or null for the policy's default. */
  @Nullable Duration ttl() {
    return ttlSeconds == null ? null : Duration.ofSeconds(ttlSeconds);
  }

  /** What policy approves for this request when it opens a new grant (its audience is known). */
  Decision decide(ClientPolicy client, Set<Binding> offered) {
    return IssuanceRules.decide(
        client,
        requireNonNull(audience, "audience"),
        scopes,
        ttl(),
        maxUses,
        offered,
        exceptions,
        receivedAt);
  }
}
