package io.tokenwatch.validator.jwks;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.jwk.JWKSet;
import io.tokenwatch.validator.JwksFetcher;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;

/**
 * Fetches a JSON Web Key Set with an HTTP GET (the issuer's {@code /.well-known/jwks.json}). Only
 * the configured URL is ever fetched; responses larger than {@value #MAX_BYTES} bytes are refused.
 *
 * <p>Thread-safe.
 */
public final class HttpJwksFetcher implements JwksFetcher {

  /** Upper bound on a key set response. */
  public static final int MAX_BYTES = 512 * 1024;

  private final URI url;
  private final Duration timeout;
  private final HttpClient client;

  /**
   * @param url the key set URL ({@code http} or {@code https})
   * @param timeout bound on connecting and on the whole request
   */
  public HttpJwksFetcher(URI url, Duration timeout) {
    this.url = requireNonNull(url, "url");
    this.timeout = requireNonNull(timeout, "timeout");
    String scheme = url.getScheme();
    if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
      throw new IllegalArgumentException("JWKS URL must be http(s): " + url);
    }
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public JWKSet fetch() throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Accept", "application/jwk-set+json, application/json")
            .GET()
            .build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted fetching " + url, e);
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("JWKS fetch from " + url + " answered " + response.statusCode());
      }
      byte[] bytes = body.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new IOException("JWKS from " + url + " larger than " + MAX_BYTES + " bytes");
      }
      return JWKSet.parse(new String(bytes, StandardCharsets.UTF_8));
    } catch (ParseException e) {
      throw new IOException("JWKS from " + url + " cannot be parsed", e);
    }
  }

  @Override
  public URI location() {
    return url;
  }
}
