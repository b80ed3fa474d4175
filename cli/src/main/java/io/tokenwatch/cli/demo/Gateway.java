package io.tokenwatch.cli.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One validator sidecar as a gateway in front of the orders API would ask it (forward auth), plus a
 * side-effect-free look at which revocation it knows covers a token, for measuring propagation.
 */
final class Gateway {

  private static final String HOST = "orders.example.com";

  private final String name;
  private final String url;
  private final HttpClient http;
  private final Function<String, Optional<String>> revocationCovering;

  /**
   * @param revocationCovering the validator's {@code revocationCovering}: the selector of a
   *     revocation it knows covering a token
   */
  Gateway(
      String name,
      String url,
      HttpClient http,
      Function<String, Optional<String>> revocationCovering) {
    this.name = name;
    this.url = url;
    this.http = http;
    this.revocationCovering = revocationCovering;
  }

  String name() {
    return name;
  }

  String url() {
    return url;
  }

  /** The sidecar's decision: status (200 allowed, 401/403 denied, 503 feed stale) and reason. */
  record Verdict(int status, String challenge) {
    boolean allowed() {
      return status == 200;
    }

    boolean deniedAsRevoked() {
      return status == 401 && challenge.contains("revoked");
    }
  }

  /**
   * Asks whether {@code GET path} with {@code token} from {@code sourceAddress} may pass.
   *
   * @param key the DPoP key of a bound token, or null to send it as a bearer token
   */
  Verdict authorize(String token, String path, String sourceAddress, @Nullable DpopKey key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url + "/auth"))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", (key == null ? "Bearer " : "DPoP ") + token)
            .header("X-Forwarded-Method", "GET")
            .header("X-Forwarded-Uri", path)
            .header("X-Forwarded-Host", HOST)
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-For", sourceAddress)
            .GET();
    if (key != null) {
      request.header("DPoP", key.proof("GET", "https://" + HOST + path, token));
    }
    try {
      HttpResponse<Void> response =
          http.send(request.build(), HttpResponse.BodyHandlers.discarding());
      return new Verdict(
          response.statusCode(), response.headers().firstValue("WWW-Authenticate").orElse(""));
    } catch (IOException e) {
      throw new IllegalStateException("the validator " + name + " did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted asking " + name, e);
    }
  }

  /** The revocation this validator knows covering {@code token}; counts no use. */
  Optional<String> revocationCovering(String token) {
    return revocationCovering.apply(token);
  }

  /** Whether the sidecar is serving with a caught-up revocation feed. */
  boolean ready() {
    try {
      HttpResponse<Void> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/ready")).GET().build(),
              HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
