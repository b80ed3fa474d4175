package io.tokenwatch.schemas.http;

import static java.util.Objects.requireNonNull;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a Javalin server answer every refusal with the JSON body of its API instead of Jetty's or
 * Javalin's HTML and plain-text pages:
 *
 * <ul>
 *   <li>what Jetty refuses before routing (a malformed request line, a bad {@code Host}, a header
 *       block or URI beyond its limits, a malformed percent-encoding): through the server's error
 *       handler;
 *   <li>an unknown route (404), a method the route does not serve (405) and a body beyond {@code
 *       http.maxRequestSize} (413): Javalin raises these as {@link HttpResponseException}s;
 *   <li>a malformed body Jetty finds while a handler reads it: its 4xx;
 *   <li>any other exception or error a handler lets escape: 500, logged here, never shown to the
 *       client.
 * </ul>
 *
 * <p>Call {@link #install} first in the server's configuration; exception handlers the server
 * registers afterwards for its own exception types take precedence for those types.
 */
public final class JsonErrors {

  private static final Logger LOG = LoggerFactory.getLogger(JsonErrors.class);

  private JsonErrors() {}

  /**
   * Installs the JSON error handling of {@code format} into {@code config}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static void install(JavalinConfig config, ErrorFormat format) {
    requireNonNull(config, "config");
    requireNonNull(format, "format");
    JettyJsonErrorHandler jetty = new JettyJsonErrorHandler(format);
    config.jetty.modifyServer(server -> server.setErrorHandler(jetty));
    // An unknown route is a 404 only if the path has no route at all; otherwise 405 says why.
    config.http.prefer405over404 = true;
    // A java.lang.Error (an assertion, a stack overflow) bypasses the exception handlers.
    config.router.javaLangErrorHandler(
        (response, error) -> {
          LOG.error("Request failed with an error", error);
          try {
            response.setStatus(500);
            response.setHeader("Cache-Control", "no-store");
            response.setContentType(format.contentType());
            response.getOutputStream().write(format.body(500).getBytes(StandardCharsets.UTF_8));
          } catch (IOException | RuntimeException e) {
            LOG.debug("Could not answer a failed request", e);
          }
        });
    config.routes.exception(
        HttpResponseException.class,
        (e, ctx) -> respond(ctx, format, e.getStatus(), ErrorFormat.describe(e.getStatus())));
    config.routes.exception(
        Exception.class,
        (e, ctx) -> {
          int refused = clientError(e);
          if (refused > 0) {
            respond(ctx, format, refused, ErrorFormat.describe(refused));
          } else {
            LOG.error("Request {} {} failed", ctx.method(), ctx.path(), e);
            respond(ctx, format, 500, ErrorFormat.describe(500));
          }
        });
  }

  /**
   * The 4xx status of a request Jetty found malformed while a handler read it (a chunk size that is
   * not hex, say), or 0 when {@code e} is not such a refusal: the client's mistake is a 4xx, never
   * a 500.
   */
  static int clientError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpException http && http.getCode() >= 400 && http.getCode() < 500) {
        return http.getCode();
      }
    }
    return 0;
  }

  /**
   * Answers {@code ctx} with {@code status} and the body of {@code format}.
   *
   * @param description what went wrong, written by the server; never request data
   */
  public static void respond(Context ctx, ErrorFormat format, int status, String description) {
    ctx.status(status)
        .header("Cache-Control", "no-store")
        .contentType(format.contentType())
        .result(format.body(status, description));
  }
}
