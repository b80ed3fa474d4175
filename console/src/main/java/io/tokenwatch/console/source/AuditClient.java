package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * The audit sink's query API ({@code /api/v1/...}), read with the console's own OAuth client: an
 * access token from the issuer's token endpoint (client credentials, audience {@value #AUDIENCE},
 * scope {@value #SCOPE}), kept until shortly before it expires and fetched again once the API
 * refuses it. Every call is bounded in time; every failure is a {@link Reply.Failed} with a message
 * a person can act on, never an exception. Thread-safe.
 */
public final class AuditClient {

  /** The audience of the audit API's tokens (the audit sink's {@code audit.api.audience}). */
  public static final String AUDIENCE = "urn:tokenwatch:audit";

  /** The scope the audit API requires (the audit sink's {@code audit.api.scope}). */
  public static final String SCOPE = "audit:read";

  /** Longest a query may take, connect included. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Longest a full verification may take: it reads every record of the store. */
  public static final Duration VERIFY_TIMEOUT = Duration.ofMinutes(5);

  /** How long before its expiry a token is fetched again. */
  static final Duration REFRESH_MARGIN = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String auditUrl;
  private final String issuerUrl;
  private final String clientId;
  private final @Nullable Path secretFile;
  private final Clock clock;
  private final HttpClient http;
  private @Nullable CachedToken token;

  /**
   * @param auditUrl the audit API's base URL (without {@code /api/v1})
   * @param issuerUrl the issuer that hands out the tokens
   * @param clientId the console's client at the issuer
   * @param secretFile the file holding that client's secret, or null: not configured
   */
  public AuditClient(
      String auditUrl, String issuerUrl, String clientId, @Nullable Path secretFile, Clock clock) {
    this.auditUrl = requireNonNull(auditUrl, "auditUrl");
    this.issuerUrl = requireNonNull(issuerUrl, "issuerUrl");
    this.clientId = requireNonNull(clientId, "clientId");
    this.secretFile = secretFile;
    this.clock = requireNonNull(clock, "clock");
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /** Why a call gave no data. */
  public enum Failure {
    /** The console has no client secret for the audit API. */
    NOT_CONFIGURED,
    /** The issuer or the audit API did not answer, or answered something unreadable. */
    UNREACHABLE,
    /** The issuer refused the console's client, or the audit API refused its token. */
    REFUSED,
    /** The audit API is up but cannot answer now (503: not set up, its feed stale). */
    UNAVAILABLE,
    /** The question was wrong (400): a filter value the API does not accept. */
    BAD_REQUEST,
    /** Nothing has that id (404). */
    NOT_FOUND
  }

  /** An answer of the audit API. */
  public sealed interface Reply {
    /** The API answered 200 with {@code body}. */
    record Ok(JsonNode body) implements Reply {
      public Ok {
        requireNonNull(body, "body");
      }
    }

    /** No data, and why, in words for the page. */
    record Failed(Failure failure, String message) implements Reply {
      public Failed {
        requireNonNull(failure, "failure");
        requireNonNull(message, "message");
      }
    }
  }

  /** Whether the console has a client secret for the audit API. */
  public boolean configured() {
    return secretFile != null;
  }

  /** The audit API's base URL. */
  public String auditUrl() {
    return auditUrl;
  }

  /**
   * {@code GET /api/v1<path>?<params>} within {@link #TIMEOUT}.
   *
   * @param path e.g. {@code /grants} or {@code /tokens/<id>/timeline} (already encoded)
   * @param params query parameters (encoded here), in order
   */
  public Reply get(String path, Map<String, String> params) {
    return get(path, params, TIMEOUT);
  }

  /** {@code GET /api/v1<path>?<params>} within {@code timeout}. */
  public Reply get(String path, Map<String, String> params, Duration timeout) {
    requireNonNull(path, "path");
    requireNonNull(params, "params");
    requireNonNull(timeout, "timeout");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with /: " + path);
    }
    URI uri = URI.create(auditUrl + "/api/v1" + path + query(params));
    for (int attempt = 0; ; attempt++) {
      Object bearer = bearer();
      if (bearer instanceof Reply.Failed failed) {
        return failed;
      }
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .header("Accept", "application/json")
              .header("Authorization", "Bearer " + bearer)
              .GET()
              .build();
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        return new Reply.Failed(
            Failure.UNREACHABLE,
            "The audit API at " + auditUrl + " did not answer (" + describe(e) + ").");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Reply.Failed(Failure.UNREACHABLE, "Interrupted while asking the audit API.");
      }
      int status = response.statusCode();
      if (status == 401 && attempt == 0) {
        // The token expired early or was revoked: one more try with a fresh one.
        forget((String) bearer);
        continue;
      }
      return reply(status, response.body());
    }
  }

  private Reply reply(int status, String body) {
    if (status == 200) {
      try {
        return new Reply.Ok(JSON.readTree(body));
      } catch (IOException e) {
        return new Reply.Failed(
            Failure.UNREACHABLE, "The audit API at " + auditUrl + " answered something not JSON.");
      }
    }
    String detail = detail(body);
    return switch (status) {
      case 400 -> new Reply.Failed(Failure.BAD_REQUEST, detail);
      case 404 -> new Reply.Failed(Failure.NOT_FOUND, detail);
      case 401, 403 ->
          new Reply.Failed(
              Failure.REFUSED,
              "The audit API refused the console's client " + clientId + ": " + detail);
      case 503 ->
          new Reply.Failed(Failure.UNAVAILABLE, "The audit API cannot answer now: " + detail);
      default ->
          new Reply.Failed(Failure.UNREACHABLE, "The audit API answered " + status + ": " + detail);
    };
  }

  /** The cached token, a fresh one, or why there is none. */
  private synchronized Object bearer() {
    CachedToken cached = token;
    Instant now = clock.instant();
    if (cached != null && now.isBefore(cached.refreshAt())) {
      return cached.value();
    }
    Path file = secretFile;
    if (file == null) {
      return new Reply.Failed(
          Failure.NOT_CONFIGURED,
          "The console is not set up to read the audit history: console.client-secret-file is"
              + " empty.");
    }
    String secret;
    try {
      secret = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return new Reply.Failed(
          Failure.NOT_CONFIGURED,
          "The console cannot read its client secret (console.client-secret-file): "
              + describe(e)
              + ".");
    }
    String credentials =
        Base64.getEncoder()
            .encodeToString((form(clientId) + ":" + form(secret)).getBytes(StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(issuerUrl + "/oauth2/token"))
            .timeout(TIMEOUT)
            .header("Authorization", "Basic " + credentials)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "grant_type=client_credentials&audience="
                        + form(AUDIENCE)
                        + "&scope="
                        + form(SCOPE)))
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new Reply.Failed(
          Failure.UNREACHABLE,
          "The issuer at "
              + issuerUrl
              + " did not answer the console's token request ("
              + describe(e)
              + ").");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Reply.Failed(Failure.UNREACHABLE, "Interrupted while asking for a token.");
    }
    if (response.statusCode() != 200) {
      return new Reply.Failed(
          Failure.REFUSED,
          "The issuer refused the console's client "
              + clientId
              + " a token for the audit API: "
              + detail(response.body()));
    }
    try {
      JsonNode body = JSON.readTree(response.body());
      String value = body.path("access_token").asText("");
      long expiresIn = body.path("expires_in").asLong(0);
      if (value.isEmpty() || expiresIn <= 0) {
        return new Reply.Failed(
            Failure.UNREACHABLE, "The issuer's token answer lacks access_token or expires_in.");
      }
      Duration lifetime = Duration.ofSeconds(expiresIn);
      Duration margin =
          lifetime.compareTo(REFRESH_MARGIN.multipliedBy(2)) < 0
              ? lifetime.dividedBy(2)
              : REFRESH_MARGIN;
      token = new CachedToken(value, now.plus(lifetime).minus(margin));
      return value;
    } catch (IOException e) {
      return new Reply.Failed(
          Failure.UNREACHABLE, "The issuer answered the token request with something not JSON.");
    }
  }

  private synchronized void forget(String value) {
    CachedToken cached = token;
    if (cached != null && cached.value().equals(value)) {
      token = null;
    }
  }

  private record CachedToken(String value, Instant refreshAt) {}

  private static String query(Map<String, String> params) {
    if (params.isEmpty()) {
      return "";
    }
    StringJoiner joined = new StringJoiner("&", "?", "");
    params.forEach((name, value) -> joined.add(form(name) + "=" + form(value)));
    return joined.toString();
  }

  /** One path segment, encoded (spaces as %20, slashes escaped). */
  public static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String form(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String describe(Exception e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /** A problem's {@code detail} or an OAuth error's {@code error_description}, else a short cut. */
  static String detail(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null) {
        Optional<String> found =
            Optional.ofNullable(node.get("detail"))
                .or(() -> Optional.ofNullable(node.get("error_description")))
                .or(() -> Optional.ofNullable(node.get("error")))
                .map(JsonNode::asText);
        if (found.isPresent()) {
          return found.get();
        }
      }
    } catch (IOException notJson) {
      // Not JSON: a cut of the body.
    }
    String cut = body.length() > 200 ? body.substring(0, 200) + "..." : body;
    return cut.isBlank() ? "no detail" : cut;
  }
}
