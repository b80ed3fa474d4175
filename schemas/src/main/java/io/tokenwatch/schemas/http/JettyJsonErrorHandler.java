package io.tokenwatch.schemas.http;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Jetty's error handler for the refusals it makes itself, before a request reaches Javalin (a
 * header block too large, a malformed request line or URI): the format's JSON body with the
 * status's standard description, never the request's own bytes, never a stack trace.
 */
final class JettyJsonErrorHandler extends ErrorHandler {

  private final ErrorFormat format;

  JettyJsonErrorHandler(ErrorFormat format) {
    this.format = requireNonNull(format, "format");
    setShowStacks(false);
    setShowCauses(false);
    setShowMessageInTitle(false);
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      @Nullable String message,
      @Nullable Throwable cause,
      Callback callback) {
    String body = format.body(code);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, format.contentType());
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }
}
