package io.tokenwatch.issuer.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Answers the errors Jetty raises before a request reaches the application (a header block too
 * large, a malformed request line or header) with an RFC 6749 error body, as every other refusal of
 * the issuer, instead of Jetty's HTML page. The description is the status's standard reason, never
 * the request's own bytes; no stack trace is ever written.
 */
final class JsonErrorHandler extends ErrorHandler {

  JsonErrorHandler() {
    setShowStacks(false);
    setShowCauses(false);
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      @Nullable String message,
      @Nullable Throwable cause,
      Callback callback) {
    String error = code >= 500 ? "server_error" : "invalid_request";
    String description = HttpStatus.getMessage(code).toLowerCase(java.util.Locale.ROOT);
    String body = "{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}";
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }
}
