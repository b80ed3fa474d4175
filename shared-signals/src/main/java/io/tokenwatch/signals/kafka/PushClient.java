package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.signals.PushOutcome;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One push of a SET (RFC 8935 section 2): {@code POST} with {@code Content-Type:
 * application/secevent+jwt}, {@code Accept: application/json} and the stream's {@code
 * Authorization} header. Redirects are never followed. Thread-safe.
 */
final class PushClient {

  static final String SECEVENT_JWT = "application/secevent+jwt";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_BODY = 4096;

  private final HttpClient http;
  private final Duration timeout;

  PushClient(Duration timeout) {
    this.timeout = requireNonNull(timeout, "timeout");
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  PushOutcome push(URI endpoint, @Nullable String authorization, String set) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("Content-Type", SECEVENT_JWT)
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(set, StandardCharsets.UTF_8));
    if (authorization != null && !authorization.isBlank()) {
      request.header("Authorization", authorization);
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException e) {
      return new PushOutcome.Retry("connection", "connect timeout");
    } catch (HttpTimeoutException e) {
      return new PushOutcome.Retry("timeout", "no answer within " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      return new PushOutcome.Retry("connection", e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new PushOutcome.Retry("interrupted", "delivery interrupted");
    } catch (IllegalArgumentException e) {
      return new PushOutcome.Retry("endpoint_refused", "unusable endpoint: " + e.getMessage());
    }
    String err = null;
    String description = null;
    if (response.statusCode() == 400) {
      byte[] body = response.body();
      if (body != null && body.length > 0 && body.length <= MAX_ERROR_BODY) {
        try {
          JsonNode node = JSON.readTree(body);
          if (node != null && node.path("err").isTextual()) {
            err = node.path("err").asText();
            description =
                node.path("description").isTextual() ? node.path("description").asText() : null;
          }
        } catch (IOException e) {
          // not an RFC 8935 error body: classified as unparseable
        }
      }
    }
    return PushOutcome.ofResponse(response.statusCode(), err, description);
  }
}
