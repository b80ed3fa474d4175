package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.embedded.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.embedded.registry.EmbeddedSchemaRegistry;
import io.tokenwatch.embedded.registry.RegistryCredential;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.validator.http.ValidatorConfig;
import io.tokenwatch.validator.http.ValidatorService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole revocation pipeline in this JVM on a broker of its own, so a test may stop and restart
 * that broker: the embedded Kafka broker and schema registry, the revocation stream, the issuer
 * with the sample policy and {@value #VALIDATORS} validator sidecars (gateways) for the sample's
 * orders audience, all on free ports. The sample policy's demo secrets are public
 * (issuer/README.md).
 */
final class Pipeline implements AutoCloseable {

  static final String AUDIENCE = "https://orders.example.com";
  static final int VALIDATORS = 2;
  static final String ORDERS_SERVICE =
      basic("orders-service", "demo-orders-service-secret-do-not-use-in-prod0");
  static final String SECURITY_CONSOLE =
      basic("security-console", "demo-security-console-secret-not-for-prod-use");
  static final ObjectMapper JSON = new ObjectMapper();

  private static final Logger log = LoggerFactory.getLogger(Pipeline.class);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final Path dataDir;
  private final EmbeddedKafkaBroker broker;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private @Nullable RevocationStreamApp stream;
  private @Nullable EmbeddedSchemaRegistry registry;
  // The registry refuses changes without it; the services get it as basic.auth.* settings.
  private final RegistryCredential registryCredential = RegistryCredential.random("tokenwatch");
  private @Nullable IssuerServer issuer;
  private final List<ValidatorService> validators = new ArrayList<>();

  private Pipeline(Path dataDir) {
    this.dataDir = dataDir;
    this.broker = EmbeddedKafkaBroker.builder(dataDir.resolve("kafka")).build();
  }

  /**
   * Starts everything; the validator denies with {@code FEED_STALE} once its feed was last caught
   * up longer than {@code feedStaleness} ago, and the issuer refuses admin calls after the same
   * time.
   */
  static Pipeline start(Path dataDir, Duration feedStaleness) {
    Pipeline pipeline = new Pipeline(dataDir);
    try {
      pipeline.startAll(feedStaleness);
      return pipeline;
    } catch (RuntimeException e) {
      pipeline.close();
      throw e;
    }
  }

  private void startAll(Duration feedStaleness) {
    broker.start();
    started.push(broker);
    EmbeddedSchemaRegistry startedRegistry =
        EmbeddedSchemaRegistry.builder()
            .bootstrapServers(broker.bootstrapServers())
            .writeCredential(registryCredential)
            .build();
    startedRegistry.start();
    registry = startedRegistry;
    started.push(startedRegistry);

    Map<String, Object> clients = new LinkedHashMap<>();
    clients.put("bootstrap.servers", broker.bootstrapServers());
    clients.put("schema.registry.url", startedRegistry.url());
    clients.putAll(registryCredential.clientSettings());

    stream = RevocationStreamApp.start(streamSettings());
    started.push(stream);

    Path policy = samplePolicy(dataDir.resolve("policy.yaml"));
    int issuerPort = freePort();
    String issuerUrl = "http://localhost:" + issuerPort;
    Map<String, Object> issuerSettings = new LinkedHashMap<>(clients);
    issuerSettings.put(IssuerConfig.ISSUER_URL, issuerUrl);
    issuerSettings.put(IssuerConfig.PORT, issuerPort);
    issuerSettings.put(IssuerConfig.POLICY_FILE, policy.toString());
    issuerSettings.put(IssuerConfig.DATA_DIR, dataDir.resolve("issuer").toString());
    issuerSettings.put(IssuerConfig.PRODUCE_TIMEOUT_MS, 2_000);
    issuerSettings.put(IssuerConfig.REVOCATION_MAX_STALENESS_MS, feedStaleness.toMillis());
    issuer = IssuerServer.start(IssuerConfig.of(issuerSettings));
    started.push(issuer);

    for (int i = 1; i <= VALIDATORS; i++) {
      Map<String, Object> validatorSettings = new LinkedHashMap<>(clients);
      validatorSettings.put(ValidatorConfig.ISSUER, issuerUrl);
      validatorSettings.put(ValidatorConfig.AUDIENCE, AUDIENCE);
      validatorSettings.put(ValidatorConfig.JWKS_URL, issuerUrl + "/.well-known/jwks.json");
      validatorSettings.put(ValidatorConfig.HTTP_HOST, "localhost");
      validatorSettings.put(ValidatorConfig.HTTP_PORT, 0);
      validatorSettings.put(ValidatorConfig.HTTP_ROUTES, "GET /orders/** -> orders:read");
      validatorSettings.put(ValidatorConfig.VALIDATOR_ID, "reliability-gateway-" + i);
      validatorSettings.put(ValidatorConfig.MAX_STALENESS, feedStaleness.toMillis() + "ms");
      ValidatorService validator = ValidatorService.start(ValidatorConfig.of(validatorSettings));
      validators.add(validator);
      started.push(validator);
    }
  }

  /** The revocation stream's settings. */
  private Map<String, Object> streamSettings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
    settings.put(RevocationStreamConfig.SCHEMA_REGISTRY_URL, registry().url());
    settings.putAll(registryCredential.clientSettings());
    settings.put(RevocationStreamConfig.STATE_DIR, dataDir.resolve("revocation-stream").toString());
    settings.put(RevocationStreamConfig.HTTP_PORT, 0);
    settings.put(RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, Introspection.secretHash());
    return settings;
  }

  /** Stops the broker, keeping its data for {@link #startBroker()}; clients are left running. */
  void stopBroker() {
    broker.stop();
  }

  /** Starts the broker again on the same ports and data. */
  void startBroker() {
    broker.start();
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The registry's URL with its write credential as user info, for clients in tests. */
  String schemaRegistryUrl() {
    return registryCredential.inUrl(registry().url());
  }

  String issuerUrl() {
    IssuerServer running = issuer;
    if (running == null) {
      throw new IllegalStateException("issuer not started");
    }
    return running.issuerUrl();
  }

  /** The base URL of every validator sidecar. */
  List<String> validatorUrls() {
    List<String> urls = new ArrayList<>();
    validators.forEach(v -> urls.add("http://localhost:" + v.port()));
    return urls;
  }

  /** The issuer's answer to a client-credentials request of orders-service for orders:read. */
  HttpResponse<String> requestToken() {
    return requestToken(issuerUrl());
  }

  /** The answer of the issuer at {@code issuerUrl} to the same request. */
  static HttpResponse<String> requestToken(String issuerUrl) {
    Map<String, String> fields = new HashMap<>();
    fields.put("grant_type", "client_credentials");
    fields.put("audience", AUDIENCE);
    fields.put("scope", "orders:read");
    return post(
        issuerUrl + "/oauth2/token",
        ORDERS_SERVICE,
        "application/x-www-form-urlencoded",
        form(fields));
  }

  /** The issuer's answer to the security console revoking one token. */
  HttpResponse<String> revokeToken(String jti) {
    return revokeToken(issuerUrl(), jti);
  }

  /** The answer of the issuer at {@code issuerUrl} to the security console revoking one token. */
  static HttpResponse<String> revokeToken(String issuerUrl, String jti) {
    return post(
        issuerUrl + "/admin/revocations",
        SECURITY_CONSOLE,
        "application/json",
        "{\"kind\":\"token\",\"value\":\"" + jti + "\",\"reason\":\"COMPROMISED\"}");
  }

  /** The first validator sidecar's forward-auth answer for {@code GET /orders/42}. */
  HttpResponse<String> authorize(String token) {
    return authorize(validatorUrls().get(0), token);
  }

  /** A validator sidecar's forward-auth answer for {@code GET /orders/42} with the token. */
  static HttpResponse<String> authorize(String validatorUrl, String token) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(validatorUrl + "/auth"))
            .timeout(REQUEST_TIMEOUT)
            .header("Authorization", "Bearer " + token)
            .header("X-Forwarded-Method", "GET")
            .header("X-Forwarded-Uri", "/orders/42")
            .header("X-Forwarded-Host", "orders.example.com")
            .header("X-Forwarded-Proto", "https")
            .GET()
            .build();
    return send(request);
  }

  /** Introspection's answer for the token, or null while the stream cannot answer. */
  @Nullable JsonNode introspect(String token) {
    RevocationStreamApp running = stream;
    if (running == null) {
      throw new IllegalStateException("revocation stream not started");
    }
    return Introspection.ask(running.httpPort(), token);
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable component = started.pop();
      try {
        component.close();
      } catch (Exception e) {
        log.warn("Closing {} failed: {}", component.getClass().getSimpleName(), e.toString());
      }
    }
  }

  static String accessToken(HttpResponse<String> issued) {
    return readTree(issued.body()).get("access_token").asText();
  }

  static String jti(String jwt) {
    String payload = jwt.split("\\.")[1];
    return readTree(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8))
        .get("jti")
        .asText();
  }

  static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }

  /** A POST; an empty {@code authorization} sends no Authorization header. */
  static HttpResponse<String> post(
      String url, String authorization, String contentType, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (!authorization.isEmpty()) {
      request.header("Authorization", authorization);
    }
    return send(request.build());
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted calling " + request.uri(), e);
    }
  }

  private EmbeddedSchemaRegistry registry() {
    EmbeddedSchemaRegistry running = registry;
    if (running == null) {
      throw new IllegalStateException("registry not started");
    }
    return running;
  }

  private static String form(Map<String, String> fields) {
    StringBuilder body = new StringBuilder();
    fields.forEach(
        (key, value) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(key)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return body.toString();
  }

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** A copy of the issuer's sample policy at {@code file}. */
  static Path samplePolicy(Path file) {
    try (InputStream sample = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      assertThat(sample).as("the issuer's sample-policy.yaml on the classpath").isNotNull();
      Files.createDirectories(file.getParent());
      Files.copy(sample, file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sample policy to " + file, e);
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
