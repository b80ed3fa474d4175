package io.tokenwatch.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.jwks.HttpJwksFetcher;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The demo's SaaS application: a service outside Kafka that accepts Tokenwatch tokens for the
 * orders audience and learns of revocations only through Shared Signals. It creates a push stream
 * at Tokenwatch's transmitter, verifies every SET it is pushed (signature with the issuer's keys,
 * {@code typ}, {@code iss}, {@code aud}, {@code jti} once), turns each into a revocation in its own
 * index, and checks tokens with the validator library against that index.
 *
 * <p>It fails closed: it asks the transmitter for a verification event every {@link #VERIFY_EVERY},
 * and SETs of one stream arrive in order, so the verification's arrival proves it holds everything
 * sent before; when no verification arrived within {@link #MAX_STALENESS} its index is stale and
 * every token is denied.
 */
final class SaasApp implements AutoCloseable {

  static final Duration VERIFY_EVERY = Duration.ofSeconds(5);
  static final Duration MAX_STALENESS = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> REVOKING =
      Set.of(
          "https://schemas.openid.net/secevent/caep/event-type/session-revoked",
          "https://schemas.openid.net/secevent/caep/event-type/credential-change",
          "https://schemas.openid.net/secevent/risc/event-type/account-disabled");
  private static final String VERIFICATION =
      "https://schemas.openid.net/secevent/ssf/event-type/verification";
  private static final int MAX_SET_BYTES = 64 * 1024;

  private final String issuer;
  private final URI jwksUrl;
  private final String transmitter;
  private final HttpClient http = HttpClient.newHttpClient();
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private final ScheduledExecutorService verifier = Executors.newSingleThreadScheduledExecutor();
  private final RevocationIndex index = new RevocationIndex();
  private final TokenValidator validator;
  private final String pushSecret = UUID.randomUUID().toString();
  private final Map<String, Boolean> seen = new ConcurrentHashMap<>();
  private final AtomicLong received = new AtomicLong();
  private volatile JWKSet issuerKeys = new JWKSet();
  private volatile @Nullable String streamId;
  private volatile @Nullable String streamAudience;
  private volatile @Nullable String expectedState;

  /**
   * @param issuer Tokenwatch's issuer URL
   * @param transmitter the Shared Signals service's base URL
   * @param audience the audience of the tokens this app accepts
   */
  SaasApp(String issuer, String transmitter, String audience) throws IOException {
    this.issuer = issuer;
    this.jwksUrl = URI.create(issuer + "/.well-known/jwks.json");
    this.transmitter = transmitter;
    this.validator =
        TokenValidator.builder()
            .issuer(issuer)
            .audience(audience)
            .jwks(
                JwksSource.fetching(
                    new HttpJwksFetcher(jwksUrl, Duration.ofSeconds(5)),
                    Duration.ofSeconds(1),
                    Duration.ofMinutes(5),
                    Clock.systemUTC()))
            .revocations(index)
            .maxStaleness(MAX_STALENESS)
            .build();
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
    server.setExecutor(executor);
    server.createContext("/ssf/events", this::onSet);
    server.createContext("/orders", this::onOrders);
    server.start();
  }

  /** The app's base URL. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Creates the app's push stream with {@code bearer} (a token of the {@code ssf-receiver} client)
   * and starts asking for verification events.
   */
  void subscribe(String bearer) throws IOException, InterruptedException {
    String body =
        JSON.createObjectNode()
            .<com.fasterxml.jackson.databind.node.ObjectNode>set(
                "delivery",
                JSON.createObjectNode()
                    .put("method", "urn:ietf:rfc:8935")
                    .put("endpoint_url", url() + "/ssf/events")
                    .put("authorization_header", "Bearer " + pushSecret))
            .<com.fasterxml.jackson.databind.node.ObjectNode>set(
                "events_requested",
                JSON.createArrayNode()
                    .addAll(REVOKING.stream().map(JSON.getNodeFactory()::textNode).toList()))
            .put("description", "the demo's SaaS orders app")
            .toString();
    HttpResponse<String> created = post("/ssf/streams", bearer, body);
    if (created.statusCode() != 201) {
      throw new IllegalStateException(
          "the stream was not created: " + created.statusCode() + " " + created.body());
    }
    JsonNode stream = JSON.readTree(created.body());
    streamId = stream.path("stream_id").asText();
    streamAudience = firstAudience(stream.path("aud"));
    var unused =
        verifier.scheduleWithFixedDelay(
            () -> requestVerification(bearer), 0, VERIFY_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether a verification event has arrived recently enough to trust the index. */
  boolean ready() {
    return index.freshness().staleness(System.currentTimeMillis(), MAX_STALENESS.toMillis())
        == null;
  }

  /** The selector key of a revocation this app knows covering {@code token}, if any. */
  Optional<String> revocationCovering(String token) {
    return validator.revocationCovering(token);
  }

  /** Calls the app's orders API with {@code token}: the HTTP status it answers. */
  int call(String token) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url() + "/orders/17"))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** SETs received and accepted so far. */
  long received() {
    return received.get();
  }

  private void requestVerification(String bearer) {
    String id = streamId;
    if (id == null) {
      return;
    }
    String state = UUID.randomUUID().toString();
    expectedState = state;
    try {
      post(
          "/ssf/verify",
          bearer,
          JSON.createObjectNode().put("stream_id", id).put("state", state).toString());
    } catch (IOException e) {
      // the next round asks again; meanwhile the index only grows staler, which fails closed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void onOrders(HttpExchange exchange) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    int status = 401;
    if (authorization != null && authorization.startsWith("Bearer ")) {
      Decision decision =
          validator.validate(
              TokenRequest.of(
                  authorization.substring(7).strip(),
                  exchange.getRequestMethod(),
                  url() + exchange.getRequestURI(),
                  Set.of()));
      status = decision.allowed() ? 200 : 401;
    }
    if (status == 401) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  private void onSet(HttpExchange exchange) throws IOException {
    String problem;
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_SET_BYTES + 1);
      if (!("Bearer " + pushSecret)
          .equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.sendResponseHeaders(401, -1);
        exchange.close();
        return;
      }
      problem =
          body.length > MAX_SET_BYTES
              ? "invalid_request:the SET is too large"
              : accept(new String(body, StandardCharsets.UTF_8));
    }
    if (problem == null) {
      exchange.sendResponseHeaders(202, -1);
    } else {
      int colon = problem.indexOf(':');
      byte[] answer =
          JSON.createObjectNode()
              .put("err", problem.substring(0, colon))
              .put("description", problem.substring(colon + 1))
              .toString()
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(400, answer.length);
      exchange.getResponseBody().write(answer);
    }
    exchange.close();
  }

  /** Verifies and applies one SET; returns {@code err:description} when it is refused. */
  private @Nullable String accept(String compact) {
    SignedJWT set;
    JWTClaimsSet claims;
    try {
      set = SignedJWT.parse(compact);
      claims = set.getJWTClaimsSet();
    } catch (ParseException e) {
      return "invalid_request:not a signed JWT";
    }
    if (!new JOSEObjectType("secevent+jwt").equals(set.getHeader().getType())) {
      return "invalid_request:typ is not secevent+jwt";
    }
    try {
      if (!set.verify(verifierFor(set.getHeader().getKeyID()))) {
        return "invalid_key:the signature does not verify";
      }
    } catch (JOSEException | IllegalArgumentException e) {
      return "invalid_key:" + e.getMessage();
    }
    if (!issuer.equals(claims.getIssuer())) {
      return "invalid_issuer:unexpected iss";
    }
    String audience = streamAudience;
    if (audience == null || !claims.getAudience().contains(audience)) {
      return "invalid_audience:unexpected aud";
    }
    if (claims.getJWTID() == null || seen.putIfAbsent(claims.getJWTID(), Boolean.TRUE) != null) {
      return null; // a duplicate: already applied, and SSF receivers deduplicate on jti
    }
    JsonNode events = JSON.valueToTree(claims.getClaim("events"));
    JsonNode subject = JSON.valueToTree(claims.getClaim("sub_id"));
    for (Map.Entry<String, JsonNode> event : events.properties()) {
      if (event.getKey().equals(VERIFICATION)) {
        if (event.getValue().path("state").asText().equals(expectedState)) {
          index.markCaughtUp(System.currentTimeMillis());
        }
      } else if (REVOKING.contains(event.getKey())) {
        for (Map.Entry<String, Long> revocation :
            Revocations.of(event.getValue(), subject, issuer).entrySet()) {
          index.put(revocation.getKey(), revocation.getValue());
        }
      }
    }
    received.incrementAndGet();
    return null;
  }

  private JWSVerifier verifierFor(@Nullable String kid) throws JOSEException {
    JWK key = kid == null ? null : issuerKeys.getKeyByKeyId(kid);
    if (key == null) {
      issuerKeys = fetchKeys();
      key = kid == null ? null : issuerKeys.getKeyByKeyId(kid);
    }
    if (key instanceof OctetKeyPair okp) {
      return new Ed25519Verifier(okp.toPublicJWK());
    }
    if (key instanceof RSAKey rsa) {
      return new RSASSAVerifier(rsa);
    }
    if (key instanceof ECKey ec) {
      return new ECDSAVerifier(ec);
    }
    throw new IllegalArgumentException("no issuer key " + kid);
  }

  private JWKSet fetchKeys() throws JOSEException {
    try {
      HttpResponse<String> keys =
          http.send(
              HttpRequest.newBuilder(jwksUrl).GET().build(), HttpResponse.BodyHandlers.ofString());
      return JWKSet.parse(keys.body());
    } catch (IOException | ParseException e) {
      throw new JOSEException("cannot read the issuer's keys: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JOSEException("interrupted", e);
    }
  }

  private HttpResponse<String> post(String path, String bearer, String body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(transmitter + path))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + bearer)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static @Nullable String firstAudience(JsonNode aud) {
    if (aud.isArray() && !aud.isEmpty()) {
      return aud.get(0).asText();
    }
    return aud.isTextual() ? aud.asText() : null;
  }

  @Override
  public void close() {
    verifier.shutdownNow();
    server.stop(0);
    executor.shutdownNow();
  }

  /**
   * What one revoking event revokes, as revocation index keys ({@code <kind>:<value>}) with their
   * watermarks (epoch millis, or null for every matching token). Tokenwatch's SETs name the exact
   * selector in the event's {@code tokenwatch_selector} member; for an event without it, the
   * standard subject is read and the reading fails closed (a session may be a grant or a delegation
   * lineage: both are revoked).
   */
  static final class Revocations {

    private Revocations() {}

    static Map<String, @Nullable Long> of(JsonNode event, JsonNode subject, String issuer) {
      Map<String, @Nullable Long> keys = new java.util.LinkedHashMap<>();
      JsonNode selector = event.path("tokenwatch_selector");
      if (selector.isObject()) {
        JsonNode before = selector.path("issued_before_ms");
        keys.put(
            selector.path("kind").asText() + ":" + selector.path("value").asText(),
            before.isNumber() ? before.asLong() : null);
        return keys;
      }
      switch (subject.path("format").asText()) {
        case "iss_sub" -> {
          if (issuer.equals(subject.path("iss").asText())) {
            keys.put("subject:" + subject.path("sub").asText(), null);
          }
        }
        case "complex" -> {
          putMember(keys, subject, "token", "token");
          putMember(keys, subject, "session", "grant");
          putMember(keys, subject, "session", "lineage");
          putMember(keys, subject, "application", "client");
          putMember(keys, subject, "audience", "audience");
          JsonNode user = subject.path("user");
          if (user.path("format").asText().equals("iss_sub")
              && issuer.equals(user.path("iss").asText())) {
            keys.put("subject:" + user.path("sub").asText(), null);
          }
        }
        default -> {
          // another format names nothing this app's tokens carry
        }
      }
      return keys;
    }

    private static void putMember(
        Map<String, @Nullable Long> keys, JsonNode subject, String member, String kind) {
      JsonNode id = subject.path(member).path("id");
      if (id.isTextual()) {
        keys.put(kind + ":" + id.asText(), null);
      }
    }
  }
}
