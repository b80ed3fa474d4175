package io.tokenwatch.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Speaks the registry protocol as raw HTTP + JSON, as any Confluent client does. */
final class RawRegistryClient {

  static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One answer: status, content type and the parsed JSON body. */
  record Response(int status, String contentType, JsonNode body) {
    int errorCode() {
      return body.path("error_code").asInt();
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private final String baseUrl;

  RawRegistryClient(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  Response get(String path) {
    return send("GET", path, null, MEDIA_TYPE);
  }

  Response delete(String path) {
    return send("DELETE", path, null, MEDIA_TYPE);
  }

  Response post(String path, Object body) {
    return send("POST", path, body, MEDIA_TYPE);
  }

  Response put(String path, Object body) {
    return send("PUT", path, body, MEDIA_TYPE);
  }

  Response register(String subject, String schema) {
    return post("/subjects/" + subject + "/versions", Map.of("schema", schema));
  }

  int registerOk(String subject, String schema) {
    Response response = register(subject, schema);
    if (response.status() != 200) {
      throw new AssertionError("register failed: " + response);
    }
    return response.body().get("id").asInt();
  }

  /** {@code body} is sent as is when a String, as JSON otherwise. */
  Response send(String method, String path, @Nullable Object body, String contentType) {
    try {
      HttpRequest.BodyPublisher publisher =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(
                  body instanceof String text ? text : JSON.writeValueAsString(body));
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(baseUrl + path))
              .method(method, publisher)
              .header("Content-Type", contentType)
              .header("Accept", MEDIA_TYPE)
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      String text = response.body();
      JsonNode json = text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
      return new Response(
          response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
