package io.tokenwatch.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The demo's clients and its security team talking to the issuer over HTTP. */
final class IssuerClient {

  static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final String issuerUrl;
  private final DemoPolicy policy;

  IssuerClient(HttpClient http, String issuerUrl, DemoPolicy policy) {
    this.http = http;
    this.issuerUrl = issuerUrl;
    this.policy = policy;
  }

  /** The issuer's answer: status and JSON body. */
  record Answer(int status, JsonNode body) {
    boolean ok() {
      return status == 200;
    }

    String accessToken() {
      return require("access_token");
    }

    String refreshToken() {
      return require("refresh_token");
    }

    /** The OAuth error code of a refusal, e.g. {@code invalid_scope}. */
    String error() {
      return body.path("error").asText("");
    }

    private String require(String field) {
      JsonNode value = body.get(field);
      if (!ok() || value == null) {
        throw new IllegalStateException("the issuer answered " + status + ": " + body);
      }
      return value.asText();
    }
  }

  /** {@code client_credentials} for the orders API. */
  Answer clientCredentials(String client, String scope, Map<String, String> extra) {
    return clientCredentials(client, DemoPolicy.ORDERS, scope, extra);
  }

  /** {@code client_credentials} for {@code audience}. */
  Answer clientCredentials(
      String client, String audience, String scope, Map<String, String> extra) {
    Map<String, String> form = new LinkedHashMap<>(extra);
    form.put("grant_type", "client_credentials");
    form.put("audience", audience);
    form.put("scope", scope);
    return token(client, form, null);
  }

  /** Redeems an authorization code (RFC 6749 section 4.1.3, RFC 7636) as {@code client}. */
  Answer authorizationCode(String client, String code, String redirectUri, String verifier) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    form.put("redirect_uri", redirectUri);
    form.put("code_verifier", verifier);
    return token(client, form, null);
  }

  /** Token exchange (RFC 8693): {@code actor} acting for the subject of {@code subjectToken}. */
  Answer exchange(String actor, String subjectToken, String scope, DpopKey key) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", TOKEN_EXCHANGE);
    form.put("subject_token", subjectToken);
    form.put("subject_token_type", ACCESS_TOKEN_TYPE);
    form.put("audience", DemoPolicy.ORDERS);
    form.put("scope", scope);
    return token(actor, form, key);
  }

  /** A refresh, proving the grant's DPoP key. */
  Answer refresh(String client, String refreshToken, DpopKey key) {
    return token(client, Map.of("grant_type", "refresh_token", "refresh_token", refreshToken), key);
  }

  /** RFC 7009: the client revokes its own token. */
  int revokeOwn(String client, String token) {
    return post("/oauth2/revoke", basic(client), form(Map.of("token", token)), null, false)
        .status();
  }

  /**
   * The security team revokes through the admin API.
   *
   * @param kind token, grant, lineage, subject, client or audience
   * @param issuedBefore only tokens issued before this instant, or every one when null
   */
  Answer adminRevoke(String kind, String value, @Nullable Instant issuedBefore, String reason) {
    ObjectNode body = JSON.createObjectNode().put("kind", kind).put("value", value);
    if (issuedBefore != null) {
      body.put("issued_before", issuedBefore.toString());
    }
    body.put("reason", reason);
    return post("/admin/revocations", basic(DemoPolicy.ADMIN), body.toString(), null, true);
  }

  private Answer token(String client, Map<String, String> form, @Nullable DpopKey key) {
    String url = issuerUrl + "/oauth2/token";
    return post(
        "/oauth2/token",
        basic(client),
        form(form),
        key == null ? null : key.proof("POST", url, null),
        false);
  }

  private Answer post(
      String path, String authorization, String body, @Nullable String dpop, boolean json) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(issuerUrl + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", authorization)
            .header("Content-Type", json ? "application/json" : "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (dpop != null) {
      request.header("DPoP", dpop);
    }
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), parse(response.body()));
    } catch (IOException e) {
      throw new IllegalStateException("the issuer at " + issuerUrl + " did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted talking to the issuer", e);
    }
  }

  private static JsonNode parse(String body) {
    if (body.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(body);
    } catch (IOException notJson) {
      return JSON.createObjectNode().put("text", body);
    }
  }

  private String basic(String client) {
    String pair = client + ":" + policy.secret(client);
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  private static String form(Map<String, String> fields) {
    StringBuilder body = new StringBuilder();
    fields.forEach(
        (key, value) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(key, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return body.toString();
  }

  /** The claims of a JWT, read without verifying (the demo's own tokens, for narration). */
  static JsonNode claims(String jwt) {
    try {
      return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a JWT", e);
    }
  }
}
