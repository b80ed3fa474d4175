package io.tokenwatch.signals.http;

import static java.util.Objects.requireNonNull;

import io.javalin.http.Context;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.validator.CallAuthenticator;
import java.util.Optional;

/**
 * Authenticates the receiver behind one poll: its access token with scope {@value #SCOPE}.
 * Implementations are thread-safe.
 */
@FunctionalInterface
public interface PollAuthentication {

  /** The scope a poll needs. */
  String SCOPE = "ssf:poll";

  /**
   * Checks the call. When refused, the response has been written to {@code ctx} and the caller does
   * nothing more. Never throws for anything the request contains.
   *
   * @return the receiver's client id, or empty when refused
   */
  Optional<String> authenticate(Context ctx);

  /**
   * Checks tokens with {@code calls} (signature, issuer, audience, expiry, channel binding,
   * revocation, scope {@value #SCOPE}); refusals are 401, 403 or 503 with an RFC 6750 challenge and
   * an RFC 7807 body.
   */
  static PollAuthentication with(CallAuthenticator calls) {
    requireNonNull(calls, "calls");
    return ctx -> {
      CallAuthenticator.Outcome outcome =
          calls.check(
              ctx.header("Authorization"),
              ctx.header("DPoP"),
              ctx.method().name(),
              ctx.fullUrl(),
              ctx.ip(),
              SCOPE);
      if (outcome instanceof CallAuthenticator.Outcome.Allowed allowed
          && !allowed.clientId().isBlank()) {
        return Optional.of(allowed.clientId());
      }
      int status = 401;
      String error = "invalid_token";
      String description = "the access token names no client";
      if (outcome instanceof CallAuthenticator.Outcome.Refused refused) {
        status = refused.status();
        error = refused.error();
        description = refused.description();
      }
      if (status == 401 || status == 403) {
        String challenge = "Bearer realm=\"tokenwatch-ssf\", scope=\"" + SCOPE + "\"";
        if (!(status == 401 && ctx.header("Authorization") == null)) {
          challenge += ", error=\"" + error + "\"";
        }
        ctx.header("WWW-Authenticate", challenge);
      }
      JsonErrors.respond(ctx, ErrorFormat.PROBLEM, status, description);
      return Optional.empty();
    };
  }
}
