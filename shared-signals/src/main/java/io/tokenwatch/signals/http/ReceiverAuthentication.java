package io.tokenwatch.signals.http;

import static java.util.Objects.requireNonNull;

import io.javalin.http.Context;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.validator.CallAuthenticator;
import io.tokenwatch.validator.TokenValidator;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Authenticates the receiver behind one call to a transmitter endpoint (stream management, poll):
 * its Tokenwatch access token (Bearer or DPoP) for the service's audience, with the scope the call
 * needs, checked by the validator library's {@link CallAuthenticator} (signature, issuer, audience,
 * expiry, channel binding, revocation failing closed while the feed is stale, scope).
 *
 * <p>A refused call is answered here: 401 (no token, malformed or invalid token), 403 (scope
 * missing) or 503 (tokens cannot be checked right now), each with an RFC 6750 {@code
 * WWW-Authenticate: Bearer} challenge naming the scope (401 and 403) and an RFC 7807 problem body.
 * Thread-safe.
 */
public final class ReceiverAuthentication {

  /** The scope for reading stream configuration and status. */
  public static final String SCOPE_READ = "ssf:read";

  /** The scope for creating, changing and deleting streams, subjects, status and verification. */
  public static final String SCOPE_MANAGE = "ssf:manage";

  /** The scope for polling a stream's SETs (RFC 8936). */
  public static final String SCOPE_POLL = "ssf:poll";

  /** The rule usage reports name for the required scope. */
  static final String RULE = "signals.receiver-scopes";

  private static final String REALM = "tokenwatch-ssf";
  private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

  private final CallAuthenticator calls;
  private final @Nullable String publicUrl;

  /**
   * @param validator validates receivers' tokens for the service's audience, or null when the
   *     transmitter endpoints are closed (every call is then answered 503)
   */
  public ReceiverAuthentication(@Nullable TokenValidator validator) {
    this(validator, null);
  }

  /**
   * @param validator validates receivers' tokens for the service's audience, or null when the
   *     transmitter endpoints are closed (every call is then answered 503)
   * @param publicUrl the service's base URL as receivers reach it (behind a proxy), without a
   *     trailing slash; a DPoP proof's {@code htu} is checked against it. Null: the URL the request
   *     arrived at.
   */
  public ReceiverAuthentication(@Nullable TokenValidator validator, @Nullable String publicUrl) {
    this(
        new CallAuthenticator(
            validator, RULE, "receiver authentication is not configured (signals.issuer)"),
        publicUrl);
  }

  /** Authenticates with a ready {@link CallAuthenticator}, for callers that share one. */
  public ReceiverAuthentication(CallAuthenticator calls, @Nullable String publicUrl) {
    this.calls = requireNonNull(calls, "calls");
    this.publicUrl = publicUrl;
  }

  /**
   * Checks the call's token for {@code scope}. When refused, the response (status, challenge,
   * problem body) has been written to {@code ctx} and the handler must return without doing more.
   * Never throws for anything the request contains.
   *
   * @param ctx the call
   * @param scope the scope the call needs, a single RFC 6749 scope token
   * @return the authenticated receiver's client id, or empty when refused
   * @throws IllegalArgumentException if {@code scope} is not a single scope token
   */
  public Optional<String> authenticate(Context ctx, String scope) {
    requireNonNull(ctx, "ctx");
    requireNonNull(scope, "scope");
    if (!SCOPE_TOKEN.matcher(scope).matches()) {
      throw new IllegalArgumentException("scope must be one scope token");
    }
    CallAuthenticator.Outcome outcome =
        calls.check(
            ctx.header("Authorization"),
            ctx.header("DPoP"),
            ctx.method().name(),
            requestUri(ctx),
            ctx.ip(),
            scope);
    if (outcome instanceof CallAuthenticator.Outcome.Allowed allowed) {
      String clientId = allowed.clientId();
      if (clientId.isBlank()) {
        refuse(ctx, scope, 401, "invalid_token", "the access token names no client");
        return Optional.empty();
      }
      return Optional.of(clientId);
    }
    CallAuthenticator.Outcome.Refused refused = (CallAuthenticator.Outcome.Refused) outcome;
    refuse(ctx, scope, refused.status(), refused.error(), refused.description());
    return Optional.empty();
  }

  private String requestUri(Context ctx) {
    String base = publicUrl;
    if (base == null) {
      return ctx.fullUrl();
    }
    String query = ctx.queryString();
    return base + ctx.path() + (query == null ? "" : "?" + query);
  }

  private static void refuse(
      Context ctx, String scope, int status, String error, String description) {
    if (status == 401 || status == 403) {
      // RFC 6750 3.1: a request without any credentials gets a challenge with no error code.
      String challenge = "Bearer realm=\"" + REALM + "\", scope=\"" + scope + "\"";
      boolean noCredentials = status == 401 && ctx.header("Authorization") == null;
      if (!noCredentials) {
        challenge += ", error=\"" + error + "\"";
      }
      ctx.header("WWW-Authenticate", challenge);
    }
    JsonErrors.respond(ctx, ErrorFormat.PROBLEM, status, description);
  }
}
