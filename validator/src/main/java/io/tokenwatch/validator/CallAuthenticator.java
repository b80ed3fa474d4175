package io.tokenwatch.validator;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks the access token of one HTTP API call with a {@link TokenValidator}: signature against the
 * issuer's keys, type, issuer, audience, expiry, channel binding, revocation (failing closed while
 * the revocation feed is stale) and the scope the call needs. Services put it in front of their
 * APIs so that every one of them answers a missing, wrong or under-scoped token the same way (RFC
 * 6750: 401 {@code invalid_request}/{@code invalid_token}, 403 {@code insufficient_scope}).
 *
 * <p>Every check names {@code rule} as the rule that set the required scope, so that usage reports
 * (when the validator has a usage listener) say which setting decided. Thread-safe.
 */
public final class CallAuthenticator {

  /** The outcome of one check. */
  public sealed interface Outcome {
    /** Allowed, as the token says. */
    record Allowed(VerifiedToken token) implements Outcome {
      public Allowed {
        requireNonNull(token, "token");
      }

      /** The subject the token acts for. */
      public String subject() {
        return token.subject();
      }

      /** The client that holds the token. */
      public String clientId() {
        return token.clientId();
      }
    }

    /** Refused; {@code status} is 401, 403 or 503, {@code error} an RFC 6750 error code. */
    record Refused(int status, String error, String description) implements Outcome {
      public Refused {
        requireNonNull(error, "error");
        requireNonNull(description, "description");
      }
    }
  }

  private final @Nullable TokenValidator validator;
  private final String rule;
  private final String unconfigured;

  /**
   * @param validator validates tokens for the API's audience, or null when the API is closed
   * @param rule the rule usage reports name: the setting that holds the required scopes
   * @param unconfigured what a caller is told when {@code validator} is null (say, which setting
   *     opens the API)
   */
  public CallAuthenticator(@Nullable TokenValidator validator, String rule, String unconfigured) {
    this.validator = validator;
    this.rule = requireNonNull(rule, "rule");
    this.unconfigured = requireNonNull(unconfigured, "unconfigured");
  }

  /**
   * Checks one call. Never throws for anything the request contains.
   *
   * @param authorization the {@code Authorization} header, {@code Bearer} or {@code DPoP}
   * @param dpopProof the {@code DPoP} header, when sent
   * @param method the HTTP method
   * @param uri the absolute request URI
   * @param source the caller's address, for usage reports
   * @param scope the scope this call needs
   */
  public Outcome check(
      @Nullable String authorization,
      @Nullable String dpopProof,
      String method,
      String uri,
      @Nullable String source,
      String scope) {
    requireNonNull(scope, "scope");
    TokenValidator tokens = validator;
    if (tokens == null) {
      return new Outcome.Refused(503, "temporarily_unavailable", unconfigured);
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
        TokenRequest.of(token, method, uri, Set.of(scope), rule).withSource(source, null);
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
      return new Outcome.Allowed(allow.token());
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
