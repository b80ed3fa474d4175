package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.people.Person;
import io.tokenwatch.people.PersonAssertions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The issuer's people APIs (access requests, policy history, revocations), called as the person
 * logged in to the console: each request carries a fresh {@link PersonAssertions person assertion},
 * so the issuer decides, enforces separation of duties and records the person, not the console.
 * Without an assertion secret the console cannot act at the issuer: {@link #enabled} is false and
 * every call answers {@link Answer#notConfigured}. Thread-safe.
 */
public final class IssuerApi {

  /** Longest a call may take, connect included. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String issuerUrl;
  private final String consoleUrl;
  private final @Nullable PersonAssertions assertions;
  private final HttpClient http;

  /**
   * @param issuerUrl the issuer's base URL (the assertions' audience)
   * @param consoleUrl the console's URL (the assertions' issuer)
   * @param assertions signs person assertions, or null when the console may not act
   */
  public IssuerApi(String issuerUrl, String consoleUrl, @Nullable PersonAssertions assertions) {
    this.issuerUrl = requireNonNull(issuerUrl, "issuerUrl");
    this.consoleUrl = requireNonNull(consoleUrl, "consoleUrl");
    this.assertions = assertions;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /** Whether the console can act at the issuer. */
  public boolean enabled() {
    return assertions != null;
  }

  /** The issuer's base URL. */
  public String issuerUrl() {
    return issuerUrl;
  }

  /**
   * An issuer answer.
   *
   * @param status the HTTP status; 0 when the issuer could not be reached or the console is not
   *     configured to act there
   * @param body the body (JSON for the APIs), or why there is none
   */
  public record Answer(int status, String body) {
    public Answer {
      requireNonNull(body, "body");
    }

    /** The console has no assertion secret. */
    public static Answer notConfigured() {
      return new Answer(
          0,
          "the console is not set up to act at the issuer (console.assertion-secret-file is"
              + " empty)");
    }

    /** Whether the issuer said yes (2xx). */
    public boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /** {@code GET path} as {@code person}. */
  public Answer get(Person person, String path) {
    return send(person, "GET", path, null);
  }

  /** {@code POST path} as {@code person}, with a JSON body (or none). */
  public Answer postJson(Person person, String path, @Nullable String json) {
    return send(person, "POST", path, json);
  }

  private Answer send(Person person, String method, String path, @Nullable String json) {
    requireNonNull(person, "person");
    requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with /: " + path);
    }
    PersonAssertions signer = assertions;
    if (signer == null) {
      return Answer.notConfigured();
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(issuerUrl + path))
            .timeout(TIMEOUT)
            .header("Accept", "application/json")
            .header(PersonAssertions.HEADER, signer.sign(person, issuerUrl, consoleUrl));
    if (method.equals("GET")) {
      request.GET();
    } else {
      request
          .header("Content-Type", "application/json")
          .method(
              method,
              json == null
                  ? HttpRequest.BodyPublishers.noBody()
                  : HttpRequest.BodyPublishers.ofString(json));
    }
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Answer(0, "the issuer at " + issuerUrl + " did not answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, "interrupted while calling the issuer");
    }
  }

  /** A problem+json body's {@code detail} (or {@code error_description}), else the body. */
  public static String detail(Answer answer) {
    return Optional.of(answer.body())
        .flatMap(IssuerApi::jsonDetail)
        .orElse(answer.body().length() > 300 ? answer.body().substring(0, 300) : answer.body());
  }

  private static Optional<String> jsonDetail(String body) {
    try {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
      if (node != null && node.hasNonNull("detail")) {
        return Optional.of(node.get("detail").asText());
      }
      if (node != null && node.hasNonNull("error_description")) {
        return Optional.of(node.get("error_description").asText());
      }
    } catch (IOException notJson) {
      // Not JSON: the body itself.
    }
    return Optional.empty();
  }
}
