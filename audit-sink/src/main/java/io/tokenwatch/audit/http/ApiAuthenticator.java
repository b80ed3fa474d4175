package io.tokenwatch.audit.http;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.validator.CallAuthenticator;
import io.tokenwatch.validator.TokenValidator;
import org.jspecify.annotations.Nullable;

/**
 * Checks the access token of a query API call with the validator library's {@link
 * CallAuthenticator}: signature against the issuer's keys, type, issuer, audience, expiry, channel
 * binding, revocation (failing closed while the revocation feed is stale) and the required scope.
 * Every check names {@link #RULE} as the rule that set the required scope, so that the validator's
 * usage reports (when the sink wires a {@code UsageReporter} as its listener) say which setting
 * decided, like the sidecar's route rules do. Thread-safe.
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

  private final CallAuthenticator calls;
  private final String scope;

  /**
   * @param validator validates tokens for the API audience, or null when the API is closed
   * @param scope the scope every call needs
   */
  public ApiAuthenticator(@Nullable TokenValidator validator, String scope) {
    this.calls =
        new CallAuthenticator(
            validator, RULE, "the query API is not configured (audit.api.issuer)");
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
    CallAuthenticator.Outcome outcome =
        calls.check(authorization, dpopProof, method, uri, source, scope);
    if (outcome instanceof CallAuthenticator.Outcome.Allowed allowed) {
      return new Outcome.Allowed(allowed.subject(), allowed.clientId());
    }
    CallAuthenticator.Outcome.Refused refused = (CallAuthenticator.Outcome.Refused) outcome;
    return new Outcome.Refused(refused.status(), refused.error(), refused.description());
  }
}
