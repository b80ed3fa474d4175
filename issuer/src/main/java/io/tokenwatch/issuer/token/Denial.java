package io.tokenwatch.issuer.token;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.EventParts;
import io.tokenwatch.issuer.policy.Decision;
import io.tokenwatch.issuer.policy.OAuthError;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Why the token endpoint refuses a request, and all a refusal records: the precise reason (in the
 * {@code IssuanceDenied} event and the {@code tokenwatch.issuer.denied} metric), the OAuth error
 * and plain-language detail the client reads, the rule and the scopes policy would have allowed
 * when policy refused, and whether to answer with an HTTP Basic challenge.
 *
 * @param reason the precise reason
 * @param error the OAuth error to answer with
 * @param detail the {@code error_description}; never contains a credential
 * @param ruleId the policy rule that refused, when a specific one did
 * @param allowedScopes what policy would have allowed for that client and audience
 * @param basicChallenge whether to answer with {@code WWW-Authenticate: Basic} (the client tried
 *     HTTP Basic and failed)
 */
record Denial(
    IssuanceDenyReason reason,
    OAuthError error,
    String detail,
    @Nullable String ruleId,
    List<String> allowedScopes,
    boolean basicChallenge) {

  Denial {
    requireNonNull(reason, "reason");
    requireNonNull(error, "error");
    requireNonNull(detail, "detail");
    allowedScopes = List.copyOf(allowedScopes);
  }

  /** A refusal that names no rule and no allowed scopes, without a Basic challenge. */
  static Denial of(IssuanceDenyReason reason, OAuthError error, String detail) {
    return new Denial(reason, error, detail, null, List.of(), false);
  }

  /** The refusal of a policy (or revocation) verdict, as it stands. */
  static Denial of(Decision.Denied verdict) {
    return new Denial(
        verdict.reason(),
        verdict.error(),
        verdict.detail(),
        verdict.ruleId(),
        verdict.allowedScopes(),
        false);
  }

  /** A request that names no audience and cannot inherit one. */
  static Denial audienceRequired() {
    return of(
        IssuanceDenyReason.INVALID_REQUEST, OAuthError.INVALID_REQUEST, "audience is required");
  }

  /** This refusal, answered with a Basic challenge when {@code challenge} is true. */
  Denial withBasicChallenge(boolean challenge) {
    return new Denial(reason, error, detail, ruleId, allowedScopes, challenge);
  }

  /** The {@code tokenwatch.issuer.denied} metric's {@code reason} (lower-cased by the metric). */
  String metricReason() {
    return reason.name();
  }

  /** The event recording this refusal of {@code attempt}. */
  IssuanceDenied event(Attempt attempt, String eventId, Instant occurredAt) {
    return IssuanceDenied.newBuilder()
        .setEventId(eventId)
        .setOccurredAt(occurredAt)
        .setClientId(attempt.clientId)
        .setSubject(attempt.subject)
        .setAudience(attempt.audience)
        .setGrantType(attempt.grantType)
        .setRequestedScopes(attempt.scopes)
        .setAllowedScopes(allowedScopes)
        .setRequestedTtlSeconds(attempt.ttlSeconds)
        .setRequestedMaxUses(attempt.maxUses)
        .setError(error.code())
        .setReason(reason)
        .setDetail(detail)
        .setRuleId(ruleId)
        .setPolicy(EventParts.policyRef(attempt.policy))
        .setSourceAddress(attempt.request.sourceAddress())
        .setParentTokenId(attempt.parentTokenId)
        .setGrantId(attempt.grantId)
        .build();
  }

  /** What the client is answered. */
  TokenResponse.Refused response() {
    return new TokenResponse.Refused(error, detail, basicChallenge);
  }
}
