package io.tokenwatch.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.http.AuditJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Opens, for each client the least-privilege report found with scopes it never used, an access
 * request of kind {@code NARROW} at the issuer ({@code POST /access-requests}, HTTP Basic), which
 * proposes taking those scopes away; approving it records the decision, the policy edit follows.
 *
 * <p>Only a client's own tokens count (principals without {@code on_behalf_of}): what a client does
 * for one subject says nothing about what its policy entry needs. The audience is named when every
 * grant of the client in the history is for one audience; otherwise it is left out and the request
 * concerns the client in every audience.
 */
final class NarrowRequests {

  /** Bound on each call to the issuer. */
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** A person's HTTP Basic credentials; never printed. */
  record Credentials(String user, String password) {
    Credentials {
      requireNonNull(user, "user");
      requireNonNull(password, "password");
    }

    String header() {
      return "Basic "
          + Base64.getEncoder()
              .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "Credentials{" + user + "}";
    }
  }

  private final String issuer;
  private final Credentials credentials;
  private final String purpose;
  private final String duration;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  NarrowRequests(String issuer, Credentials credentials, String purpose, String duration) {
    String base = requireNonNull(issuer, "issuer").strip();
    URI uri;
    try {
      uri = URI.create(base);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--issuer is not a URL: " + base);
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("--issuer must be an http(s) URL: " + base);
    }
    try {
      Duration.parse(duration);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("--duration is not an ISO-8601 duration: " + duration);
    }
    if (purpose.isBlank()) {
      throw new IllegalArgumentException("--purpose must not be empty");
    }
    this.issuer = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.credentials = credentials;
    this.purpose = purpose;
    this.duration = duration;
  }

  /**
   * Opens one request per client with unused scopes in {@code report}.
   *
   * @return 0 when every request was opened (or none was needed), 1 when any was refused
   */
  int open(JsonNode report, AuditSource history, PrintWriter out, PrintWriter err) {
    Map<String, Set<String>> unused = unusedByClient(report);
    if (unused.isEmpty()) {
      out.println("No client has scopes it did not use: no access request opened.");
      out.flush();
      return 0;
    }
    int failed = 0;
    for (Map.Entry<String, Set<String>> client : unused.entrySet()) {
      String audience = onlyAudience(history, client.getKey());
      ObjectNode body = AuditJson.MAPPER.createObjectNode();
      body.put("kind", "NARROW");
      body.put("client_id", client.getKey());
      if (audience != null) {
        body.put("audience", audience);
      }
      ArrayNode scopes = body.putArray("scopes");
      client.getValue().forEach(scopes::add);
      body.put("purpose", purpose);
      body.put("duration", duration);
      String what =
          "take ["
              + String.join(" ", client.getValue())
              + "] from "
              + AuditOutput.printable(client.getKey())
              + (audience == null ? "" : " for " + AuditOutput.printable(audience));
      try {
        HttpResponse<String> response = post(body);
        JsonNode answer = AuditJson.payload(response.body());
        if (response.statusCode() / 100 == 2) {
          String id = AuditOutput.text(answer, "request_id");
          out.println(
              "Opened access request "
                  + AuditOutput.printable(id.isEmpty() ? AuditOutput.text(answer, "id") : id)
                  + " to "
                  + what
                  + ".");
        } else {
          failed++;
          err.println(
              "The issuer refused the request to "
                  + what
                  + ": "
                  + response.statusCode()
                  + " "
                  + AuditOutput.printable(problem(answer)));
        }
      } catch (IOException e) {
        failed++;
        err.println("Cannot reach the issuer at " + issuer + " to " + what + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    out.flush();
    err.flush();
    return failed == 0 ? 0 : 1;
  }

  private HttpResponse<String> post(ObjectNode body) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(issuer + "/access-requests"))
            .timeout(TIMEOUT)
            .header("Authorization", credentials.header())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The detail of an RFC 7807 problem or an RFC 6749 error, else the body's start. */
  private static String problem(JsonNode answer) {
    for (String field : List.of("detail", "error_description", "title", "error")) {
      String text = AuditOutput.text(answer, field);
      if (!text.isEmpty()) {
        return text;
      }
    }
    String raw = answer.isTextual() ? answer.asText() : answer.toString();
    return raw.length() > 200 ? raw.substring(0, 200) + "..." : raw;
  }

  /**
   * Each client's own unused scopes, by client id: narrowable and idle principals without a
   * subject.
   */
  static Map<String, Set<String>> unusedByClient(JsonNode report) {
    Map<String, Set<String>> unused = new TreeMap<>();
    for (JsonNode n : report.path("narrowable")) {
      add(unused, n, n.path("unused"));
    }
    for (JsonNode n : report.path("idle")) {
      add(unused, n, n.path("granted"));
    }
    return unused;
  }

  private static void add(Map<String, Set<String>> unused, JsonNode principal, JsonNode scopes) {
    if (!AuditOutput.text(principal, "on_behalf_of").isEmpty() || scopes.isEmpty()) {
      return;
    }
    Set<String> set =
        unused.computeIfAbsent(AuditOutput.text(principal, "client_id"), c -> new TreeSet<>());
    scopes.forEach(s -> set.add(s.asText()));
  }

  /** The one audience every grant of {@code client} is for, or null if there are several. */
  private static @org.jspecify.annotations.Nullable String onlyAudience(
      AuditSource history, String client) {
    AuditFilters filters = new AuditFilters();
    filters.client = client;
    Set<String> audiences = new LinkedHashSet<>();
    for (ObjectNode grant : history.grants(filters, 1000)) {
      audiences.add(AuditOutput.text(grant, "audience"));
    }
    return audiences.size() == 1 ? new ArrayList<>(audiences).get(0) : null;
  }
}
