package io.tokenwatch.audit.http;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks the access token of an API call with the validator library: signature against the issuer's
 * keys, type, issuer, audience, expiry, channel binding, revocation (failing closed while the
 * revocation feed is stale) and the required scope. Every check names {@link #RULE} as the rule
 * that set the required scope, so that the validator's usage reports (when the sink wires a {@code
 * UsageReporter} as its listener) say which setting decided, like the sidecar's route rules do.
 * Thread-safe.
 */
public final class ApiAuthenticator {

  /** The rule usage reports name for the API's required scope: the setting that holds it. */
  public static final String RULE = "audit.api.scope";

  /** The outcome of one check. */
  public sealed interface Outcome {
    /** Allowed, as {@code subject} (with {@code clientId}). */
    record Allowed(String subject, String clientId) implements Outcome {}

    /** Refused; {@code status} is 401, 403 or 503. */
    record Refused(int status, String error, String description) implements Outcome {}
  }

  private final @Nullable TokenValidator validator;
  private final String scope;

  /**
   * @param validator validates tokens for the API audience, or null when the API is closed
   * @param scope the scope every call needs
   */
  public ApiAuthenticator(@Nullable TokenValidator validator, String scope) {
    this.validator = validator;
    this.scope = requireNonNull(scope, "scope");
  }

  /** The scope every call needs. */
  public String scope() {
    return scope;
  }

  /** Checks one call. Never throws for anything the request contains. */
  public Outcome check(
      @Nullable String authorization,
      @Nullable String dpopProof,
      String method,
      String uri,
      @Nullable String source) {
    TokenValidator tokens = validator;
    if (tokens == null) {
      return new Outcome.Refused(
          503, "temporarily_unavailable", "the query API is not configured (audit.api.issuer)");
    }
    if (authorization == null || authorization.isBlank()) {
      return new Outcome.Refused(401, "invalid_request", "an access token is required");
    }
    int space = authorization.indexOf(' ');
    String scheme = space < 0 ? "" : authorization.substring(0, space).toLowerCase(Locale.ROOT);
    String token = space < 0 ? "" : authorization.substring(space + 1).strip();
    if (token.isEmpty() || !(scheme.equals("bearer") || scheme.equals("dpop"))) {
      return new Outcome.Refused(401, "invalid_request", "use Authorization: Bearer or DPoP");
    }
    TokenRequest request =
        TokenRequest.of(token, method, uri, Set.of(scope), RULE).withSource(source, null);
    if (scheme.equals("dpop")) {
      request = request.withDpopProof(dpopProof);
    }
    Decision decision;
    try {
      decision = tokens.validate(request);
    } catch (RuntimeException e) {
      return new Outcome.Refused(401, "invalid_token", "the access token is not valid");
    }
    if (decision instanceof Decision.Allow allow) {
      return new Outcome.Allowed(allow.token().subject(), allow.token().clientId());
    }
    Decision.Deny deny = (Decision.Deny) decision;
    if (deny.reason() == DenyReason.INSUFFICIENT_SCOPE) {
      return new Outcome.Refused(
          403, "insufficient_scope", "the access token lacks scope " + scope);
    }
    if (deny.reason() == DenyReason.FEED_STALE) {
      return new Outcome.Refused(
          503, "temporarily_unavailable", "revocations cannot be checked right now");
    }
    return new Outcome.Refused(
        401, "invalid_token", "the access token is not valid: " + deny.reason().name());
  }
}
