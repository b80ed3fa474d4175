package io.tokenwatch.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Speaks the registry protocol as raw HTTP + JSON, as any Confluent client does. */
final class RawRegistryClient {

  static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One answer: status, content type and the parsed JSON body. */
  record Response(int status, String contentType, String challenge, JsonNode body) {
    int errorCode() {
      return body.path("error_code").asInt();
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private final String baseUrl;
  private final @Nullable String authorization;

  /** A client that sends no credential. */
  RawRegistryClient(String baseUrl) {
    this(baseUrl, (String) null);
  }

  /** A client that sends {@code credential} as HTTP basic auth with every request. */
  RawRegistryClient(String baseUrl, RegistryCredential credential) {
    this(baseUrl, basic(credential.userInfo()));
  }

  /** A client that sends {@code authorization} as the {@code Authorization} header, if not null. */
  RawRegistryClient(String baseUrl, @Nullable String authorization) {
    this.baseUrl = baseUrl;
    this.authorization = authorization;
  }

  static String basic(String userInfo) {
    return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
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
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(baseUrl + path))
              .method(method, publisher)
              .header("Content-Type", contentType)
              .header("Accept", MEDIA_TYPE);
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      String text = response.body();
      JsonNode json = text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
      return new Response(
          response.statusCode(),
          response.headers().firstValue("Content-Type").orElse(""),
          response.headers().firstValue("WWW-Authenticate").orElse(""),
          json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
