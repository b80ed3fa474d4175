package io.tokenwatch.schemas.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The JSON error body of one HTTP API, as its clients parse it. Each format renders a status and a
 * fixed, server-written description; a request's own bytes never go into a body.
 */
public enum ErrorFormat {
  /**
   * RFC 6749 section 5.2, for OAuth endpoints: {@code {"error": ..., "error_description": ...}},
   * {@code invalid_request} for a client's mistake and {@code server_error} for the server's.
   */
  OAUTH("application/json;charset=utf-8") {
    @Override
    ObjectNode render(int status, String description) {
      return JSON.createObjectNode()
          .put("error", status >= 500 ? "server_error" : "invalid_request")
          .put("error_description", description);
    }
  },
  /**
   * RFC 7807 {@code application/problem+json}: {@code {"type": "about:blank", "title": <the
   * status's reason phrase>, "status": ..., "detail": ...}}.
   */
  PROBLEM("application/problem+json") {
    @Override
    ObjectNode render(int status, String description) {
      return JSON.createObjectNode()
          .put("type", "about:blank")
          .put("title", reasonPhrase(status))
          .put("status", status)
          .put("detail", description);
    }
  },
  /**
   * Confluent Schema Registry's error body, which Confluent's clients parse: {@code {"error_code":
   * <the status>, "message": ...}}, in the registry's own media type.
   */
  CONFLUENT("application/vnd.schemaregistry.v1+json") {
    @Override
    ObjectNode render(int status, String description) {
      return JSON.createObjectNode().put("error_code", status).put("message", description);
    }
  };

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String contentType;

  ErrorFormat(String contentType) {
    this.contentType = contentType;
  }

  /** The {@code Content-Type} the body is sent with. */
  public String contentType() {
    return contentType;
  }

  /**
   * The body for {@code status} with {@code description}.
   *
   * @throws NullPointerException if {@code description} is null
   */
  public String body(int status, String description) {
    return render(status, requireNonNull(description, "description")).toString();
  }

  /** The body for {@code status} with its standard description ({@link #describe(int)}). */
  public String body(int status) {
    return body(status, describe(status));
  }

  abstract ObjectNode render(int status, String description);

  /**
   * What a refusal with {@code status} means, in words written by the server: the same for every
   * request, so nothing a client sent is echoed back.
   */
  public static String describe(int status) {
    return switch (status) {
      case 400 -> "the request is malformed";
      case 404 -> "no such resource";
      case 405 -> "the resource does not support this method";
      case 408 -> "the request took too long to arrive";
      case 413 -> "the request body is too large";
      case 414 -> "the request target is too long";
      case 415 -> "the request body's media type is not supported";
      case 431 -> "the request's header fields are too large";
      case 500 -> "internal error";
      case 501 -> "the method is not implemented";
      case 503 -> "the service is unavailable";
      case 505 -> "the HTTP version is not supported";
      default -> reasonPhrase(status).toLowerCase(Locale.ROOT);
    };
  }

  /** The status's standard reason phrase ({@code Not Found}), or {@code Error} when it has none. */
  static String reasonPhrase(int status) {
    String phrase = org.eclipse.jetty.http.HttpStatus.getMessage(status);
    return phrase == null || phrase.isBlank() ? "Error" : phrase;
  }
}
