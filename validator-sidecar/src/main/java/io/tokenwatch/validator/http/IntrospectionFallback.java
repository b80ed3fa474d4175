package io.tokenwatch.validator.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.validator.RevocationFallback;
import io.tokenwatch.validator.VerifiedToken;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the revocation stream's RFC 7662 introspection endpoint whether a token is active, for the
 * time the revocation feed is stale. Any failure (timeout, refusal, malformed answer) is {@link
 * RevocationFallback.Answer#UNKNOWN}, so the validator still fails closed.
 */
public final class IntrospectionFallback implements RevocationFallback {

  private static final Logger log = LoggerFactory.getLogger(IntrospectionFallback.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI endpoint;
  private final String authorization;
  private final Duration timeout;
  private final HttpClient http;

  /**
   * @param endpoint the introspection URL, e.g. {@code http://revocation-stream:8092/introspect}
   * @param secret the bearer secret introspection callers present
   * @param timeout bound on one call; the request being validated waits for it
   */
  public IntrospectionFallback(URI endpoint, String secret, Duration timeout) {
    this.endpoint = requireNonNull(endpoint, "endpoint");
    this.authorization = "Bearer " + requireNonNull(secret, "secret");
    this.timeout = requireNonNull(timeout, "timeout");
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Answer check(VerifiedToken token) {
    HttpRequest request =
        HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("Authorization", authorization)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "token=" + URLEncoder.encode(token.tokenId(), StandardCharsets.UTF_8)))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        log.warn("Introspection fallback answered {}; denying as stale", response.statusCode());
        return Answer.UNKNOWN;
      }
      JsonNode active = JSON.readTree(response.body()).get("active");
      if (active == null || !active.isBoolean()) {
        return Answer.UNKNOWN;
      }
      return active.booleanValue() ? Answer.ACTIVE : Answer.INACTIVE;
    } catch (IOException e) {
      log.warn("Introspection fallback failed: {}; denying as stale", e.toString());
      return Answer.UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Answer.UNKNOWN;
    }
  }
}
