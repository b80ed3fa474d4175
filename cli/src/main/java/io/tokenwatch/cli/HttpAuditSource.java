package io.tokenwatch.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.http.AuditJson;
import io.tokenwatch.audit.store.StoreException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A running audit sink's HTTP API ({@code /api/v1}), asked with a bearer token. Filter values go as
 * typed, for the API to read; an answer other than 200 is a {@link StoreException} carrying the
 * API's problem detail.
 */
final class HttpAuditSource implements AuditSource {

  /** The largest timeline page the API serves. */
  private static final int MAX_TIMELINE = 10_000;

  private final String base;
  private final @Nullable String token;
  private final Duration timeout;
  private final HttpClient http;

  /**
   * @param url the sink's address, e.g. {@code http://localhost:8095}
   * @param token the access token; checked on the first request, so a missing one is reported after
   *     the command's own arguments
   * @param timeout the bound on connecting, and on each request until its answer
   */
  HttpAuditSource(String url, @Nullable String token, Duration timeout) {
    requireNonNull(url, "url");
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.token = token;
    this.timeout = requireNonNull(timeout, "timeout");
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public List<ObjectNode> events(AuditFilters filters, int limit) {
    return withoutChainState(
        AuditOutput.objects(get("/api/v1/events", filters.params(limit)).path("events")));
  }

  /**
   * The events without the API's {@code chain_seq} and {@code sealed_by} (for the console), so both
   * sources print the same rows; {@code audit verify} is the CLI's word on the chain.
   */
  private static List<ObjectNode> withoutChainState(List<ObjectNode> events) {
    events.forEach(event -> event.remove(List.of("chain_seq", "sealed_by")));
    return events;
  }

  @Override
  public List<ObjectNode> grants(AuditFilters filters, int limit) {
    Map<String, String> params = filters.params(limit);
    params.remove("type");
    return AuditOutput.objects(get("/api/v1/grants", params).path("grants"));
  }

  @Override
  public List<ObjectNode> timeline(String tokenId, int limit) {
    String path =
        "/api/v1/tokens/"
            + URLEncoder.encode(tokenId, StandardCharsets.UTF_8).replace("+", "%20")
            + "/timeline";
    return withoutChainState(
        AuditOutput.objects(
            get(path, Map.of("limit", Integer.toString(Math.min(limit, MAX_TIMELINE))))
                .path("events")));
  }

  @Override
  public ObjectNode why(String id, int limit) {
    JsonNode answer =
        get(
            "/api/v1/why/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"),
            Map.of("limit", Integer.toString(Math.min(limit, MAX_TIMELINE))));
    if (!(answer instanceof ObjectNode object)) {
      throw new StoreException("the audit API answered something other than a JSON object");
    }
    return object;
  }

  @Override
  public JsonNode leastPrivilege(int days) {
    return get("/api/v1/least-privilege", Map.of("days", Integer.toString(days)));
  }

  @Override
  public Verification verify(@Nullable Path publicKey, int threads) {
    return new Verification.Reported(get("/api/v1/verify", Map.of()));
  }

  private JsonNode get(String path, Map<String, String> params) {
    StringBuilder query = new StringBuilder();
    params.forEach(
        (name, value) ->
            query
                .append(query.length() == 0 ? "?" : "&")
                .append(name)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    String bearer = token;
    if (bearer == null || bearer.isBlank()) {
      throw new IllegalArgumentException("--url needs --access-token (or TOKENWATCH_AUDIT_TOKEN)");
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path + query))
            .timeout(timeout)
            .header("Authorization", "Bearer " + bearer)
            .GET()
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode body = AuditJson.payload(response.body());
      if (response.statusCode() == 400) {
        // the argument was wrong (an ambiguous token prefix, say): as the store file would say
        throw new IllegalArgumentException(AuditOutput.text(body, "detail"));
      }
      if (response.statusCode() != 200) {
        throw new StoreException(
            "the audit API answered "
                + response.statusCode()
                + ": "
                + AuditOutput.text(body, "detail"));
      }
      return body;
    } catch (HttpTimeoutException e) {
      throw new StoreException(
          "the audit API at " + base + " did not answer within " + timeout + " (--timeout)", e);
    } catch (IOException e) {
      throw new StoreException("cannot reach the audit API at " + base + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted", e);
    }
  }
}
