package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * {@code tokenwatch up} running in this JVM on free ports, for integration tests, with the HTTP
 * calls they make against it. The sample policy's demo secrets are public (issuer/README.md).
 */
final class PlatformUnderTest implements AutoCloseable {

  static final String ORDERS_SERVICE =
      basic("orders-service", "demo-orders-service-secret-do-not-use-in-prod0");
  static final String SECURITY_CONSOLE =
      basic("security-console", "demo-security-console-secret-not-for-prod-use");

  private static final Pattern READY =
      Pattern.compile("tokenwatch up: bootstrap\\.servers=(\\S+) schema\\.registry\\.url=(\\S+) ");
  private static final Pattern ENDPOINT = Pattern.compile("(?m)^  (\\w+): +(http://\\S+)");
  private static final Pattern REGISTRY_CREDENTIAL =
      Pattern.compile("(?m)^  registry: +\\S+ \\(.*user:password in (\\S+)\\)$");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  private final CommandLine cli;
  private final CompletableFuture<Integer> exit;
  private final String output;
  private final Path dataDir;

  private PlatformUnderTest(
      CommandLine cli, CompletableFuture<Integer> exit, String output, Path dataDir) {
    this.cli = cli;
    this.exit = exit;
    this.output = output;
    this.dataDir = dataDir;
  }

  /** Starts {@code up} with every port free-picked and waits until it printed every endpoint. */
  static PlatformUnderTest start(Path dataDir) {
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                cli.execute(
                    "up",
                    "--data-dir",
                    dataDir.toString(),
                    "--kafka-port",
                    "0",
                    "--registry-port",
                    "0",
                    "--issuer-port",
                    "0",
                    "--introspection-port",
                    "0",
                    "--anomaly-port",
                    "0",
                    "--validator-port",
                    "0",
                    "--audit-port",
                    "0",
                    "--console-port",
                    "0",
                    "--signals-port",
                    "0"));
    // The endpoint lines follow the first line; the last of them is the metrics line.
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                (READY.matcher(out.toString()).find() && out.toString().contains("\n  metrics:"))
                    || exit.isDone());
    String output = out.toString();
    assertThat(exit).as("up exited early: %s", output).isNotDone();
    return new PlatformUnderTest(cli, exit, output, dataDir);
  }

  /** Stops {@code up} the way Ctrl-C would and checks it exited cleanly. */
  @Override
  public void close() throws Exception {
    ((UpCommand) cli.getSubcommands().get("up").getCommand()).requestStop();
    assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
  }

  String bootstrapServers() {
    return ready().group(1);
  }

  String schemaRegistryUrl() {
    return ready().group(2);
  }

  /** What {@code up} printed once ready. */
  String output() {
    return output;
  }

  /** The registry credential file {@code up} printed. */
  Path registryCredentialFile() {
    Matcher matcher = REGISTRY_CREDENTIAL.matcher(output);
    assertThat(matcher.find()).as("no registry credential line in: %s", output).isTrue();
    return Path.of(matcher.group(1));
  }

  /**
   * What a registry client needs to change the registry, as an operator would set it up from the
   * printed line: the URL and the credential read from the printed file.
   */
  Map<String, Object> registryClientSettings() {
    Map<String, Object> settings =
        new HashMap<>(RegistryCredentialOption.settings(registryCredentialFile()));
    settings.put("schema.registry.url", schemaRegistryUrl());
    return settings;
  }

  /** The URL printed for {@code name} (issuer, validator, introspection, ...). */
  String endpoint(String name) {
    Matcher matcher = ENDPOINT.matcher(output);
    while (matcher.find()) {
      if (matcher.group(1).equals(name)) {
        return matcher.group(2);
      }
    }
    throw new AssertionError("no " + name + " endpoint in: " + output);
  }

  /** An access token for orders-service and the sample audience, with extra form fields. */
  String issue(Map<String, String> extra) throws Exception {
    Map<String, String> fields = new HashMap<>(extra);
    fields.put("grant_type", "client_credentials");
    fields.put("audience", PlatformServices.SAMPLE_AUDIENCE);
    fields.putIfAbsent("scope", "orders:read");
    HttpResponse<String> issued =
        post(
            endpoint("issuer") + "/oauth2/token",
            ORDERS_SERVICE,
            "application/x-www-form-urlencoded",
            form(fields));
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    return JSON.readTree(issued.body()).get("access_token").asText();
  }

  /** An access token for the audit API (security-console, audience urn:tokenwatch:audit). */
  String auditToken() throws Exception {
    HttpResponse<String> issued =
        post(
            endpoint("issuer") + "/oauth2/token",
            SECURITY_CONSOLE,
            "application/x-www-form-urlencoded",
            form(
                Map.of(
                    "grant_type", "client_credentials",
                    "audience", "urn:tokenwatch:audit",
                    "scope", "audit:read")));
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
    return JSON.readTree(issued.body()).get("access_token").asText();
  }

  /** Introspection's answer for {@code token}, with the data directory's bearer secret. */
  JsonNode introspect(String token) throws Exception {
    String secret = Files.readString(dataDir.resolve("introspection.secret")).strip();
    HttpResponse<String> answer =
        post(
            endpoint("introspection"),
            "Bearer " + secret,
            "application/x-www-form-urlencoded",
            form(Map.of("token", token)));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  /** The validator sidecar's forward-auth answer for {@code GET /orders/42} with the token. */
  static HttpResponse<String> authorize(String validator, String token) throws Exception {
    return get(
        validator + "/auth",
        Map.of(
            "Authorization", "Bearer " + token,
            "X-Forwarded-Method", "GET",
            "X-Forwarded-Uri", "/orders/42",
            "X-Forwarded-Host", "orders.example.com",
            "X-Forwarded-Proto", "https"));
  }

  static JsonNode claims(String jwt) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
  }

  static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  static String form(Map<String, String> fields) {
    StringBuilder body = new StringBuilder();
    fields.forEach(
        (key, value) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(key)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return body.toString();
  }

  static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(
      String url, String authorization, String contentType, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", authorization)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Matcher ready() {
    Matcher ready = READY.matcher(output);
    assertThat(ready.find()).isTrue();
    return ready;
  }
}
