package io.tokenwatch.issuer.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.tokenwatch.issuer.policy.OAuthError;
import org.jspecify.annotations.Nullable;

/** How the issuer's endpoints answer: JSON bodies, and RFC 6749 section 5.2 errors. */
final class Answers {

  static final ObjectMapper JSON = new ObjectMapper();

  private Answers() {}

  /**
   * Answers {@code error}: a Basic challenge when asked for and the client failed, {@code
   * Retry-After} when temporarily unavailable.
   */
  static void refuse(Context ctx, OAuthError error, String description, boolean basicChallenge) {
    if (error == OAuthError.INVALID_CLIENT && basicChallenge) {
      ctx.header("WWW-Authenticate", "Basic realm=\"tokenwatch\", charset=\"UTF-8\"");
    }
    if (error == OAuthError.TEMPORARILY_UNAVAILABLE) {
      ctx.header("Retry-After", "1");
    }
    error(ctx, error.status(), error.code(), description);
  }

  /** An {@code {"error", "error_description"}} body, never cached. */
  static void error(Context ctx, int status, String error, String description) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error", error);
    body.put("error_description", description);
    ctx.header("Cache-Control", "no-store");
    json(ctx, status, body);
  }

  /** An RFC 7807 problem+json answer. */
  static void problem(Context ctx, int status, String detail) {
    io.tokenwatch.schemas.http.JsonErrors.respond(
        ctx, io.tokenwatch.schemas.http.ErrorFormat.PROBLEM, status, detail);
  }

  static void json(Context ctx, int status, JsonNode body) {
    ctx.status(status).contentType("application/json").result(body.toString());
  }

  static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
