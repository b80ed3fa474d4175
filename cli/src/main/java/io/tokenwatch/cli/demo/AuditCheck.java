package io.tokenwatch.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Asks the audit sink, as an analyst would (its read-only API with an {@code audit:read} token), to
 * verify the whole stored history once it has stopped growing.
 */
final class AuditCheck {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The verification's answer.
   *
   * @param verifies whether every chain and checkpoint verified
   * @param records events stored
   * @param checkpoints signed checkpoints
   * @param detail the first finding, or empty
   */
  record Result(boolean verifies, long records, long checkpoints, String detail) {}

  private final HttpClient http;
  private final IssuerClient issuer;
  private final String auditUrl;

  AuditCheck(HttpClient http, IssuerClient issuer, String auditUrl) {
    this.http = http;
    this.issuer = issuer;
    this.auditUrl = auditUrl;
  }

  /**
   * Verifies the history once the number of stored events has not changed for {@code settle}, or
   * after {@code timeout}.
   */
  Result verifyWhenSettled(Duration settle, Duration timeout) {
    String token =
        issuer
            .clientCredentials(
                DemoPolicy.ADMIN, DemoPolicy.AUDIT_AUDIENCE, DemoPolicy.AUDIT_SCOPE, Map.of())
            .accessToken();
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode report = verify(token);
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline && System.nanoTime() - stableSince < settle.toNanos()) {
      LockSupport.parkNanos(500_000_000L);
      JsonNode next = verify(token);
      if (next.path("records").asLong() != report.path("records").asLong()) {
        stableSince = System.nanoTime();
      }
      report = next;
    }
    JsonNode findings = report.path("findings");
    return new Result(
        report.path("verifies").asBoolean(false),
        report.path("records").asLong(),
        report.path("checkpoints").asLong(),
        findings.isEmpty() ? "" : findings.get(0).path("detail").asText());
  }

  private JsonNode verify(String token) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(auditUrl + "/api/v1/verify"))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "the audit API answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IllegalStateException("the audit API at " + auditUrl + " did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted asking the audit API", e);
    }
  }
}
