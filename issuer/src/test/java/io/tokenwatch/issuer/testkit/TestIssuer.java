package io.tokenwatch.issuer.testkit;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.issuer.AdminAuthenticator;
import io.tokenwatch.issuer.EventLog;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.TokenMinter;
import io.tokenwatch.issuer.access.AccessRequests;
import io.tokenwatch.issuer.consent.AuthorizationCodes;
import io.tokenwatch.issuer.consent.ConsentRegistry;
import io.tokenwatch.issuer.http.AccessRequestHttpApi;
import io.tokenwatch.issuer.http.ConsentPages;
import io.tokenwatch.issuer.http.IssuerHttpApi;
import io.tokenwatch.issuer.http.PersonRevocationHttpApi;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.policy.PolicyParser;
import io.tokenwatch.issuer.revocation.OwnTokens;
import io.tokenwatch.issuer.revocation.PersonRevocations;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.PeopleGate;
import io.tokenwatch.people.PersonAssertions;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import io.tokenwatch.testing.fixtures.MutableClock;
import io.tokenwatch.validator.DpopVerifier;
import io.tokenwatch.validator.kafka.UsageReporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * The issuer's HTTP API and token logic on a free port, with in-memory events and grant state, the
 * sample policy and a hand-moved clock. Demo secrets are those documented in the README.
 */
public final class TestIssuer implements AutoCloseable {

  /**
   * The issuer URL, deliberately not the one-machine default: the sample policy's admin audience
   * ({@code ${issuer.url}}) must follow it.
   */
  public static final String ISSUER = "https://issuer.test.example";

  public static final String ORDERS = "https://orders.example.com";
  public static final String PAYMENTS = "https://payments.example.com";
  public static final String ORDERS_SERVICE = "orders-service";
  public static final String ORDERS_SECRET = "demo-orders-service-secret-do-not-use-in-prod0";
  public static final String AGENT = "reporting-agent";
  public static final String AGENT_SECRET = "demo-reporting-agent-secret-do-not-use-in-prod";
  public static final String CONSOLE = "security-console";
  public static final String CONSOLE_SECRET = "demo-security-console-secret-not-for-prod-use";
  public static final String ASSISTANT = "orders-assistant";
  public static final String ASSISTANT_SECRET = "demo-orders-assistant-secret-do-not-use-in-prod";
  public static final String ASSISTANT_REDIRECT = "http://127.0.0.1:8765/callback";

  /**
   * The password of every test person: alice and bob (users), root (admin), or those {@link
   * #writeUsers} wrote.
   */
  public static final String PASSWORD = "correct horse battery staple";

  public static final String MTLS_HEADER = "X-Client-Cert-Sha256";

  public final MutableClock clock = new MutableClock(Instant.now());
  public final EventLog events;
  public final InMemoryRefreshGrantStore grants = new InMemoryRefreshGrantStore();
  public final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  public final SigningKeys keys;
  public final PolicyHolder policy;
  public final Path policyFile;
  public final TokenService service;
  public final TestRevocations revocations = new TestRevocations(clock);
  public final ConsentRegistry consentRegistry = new ConsentRegistry();
  public final RecordingConsentLog consentLog = new RecordingConsentLog();
  public final InMemoryAccessRequestStore accessStore = new InMemoryAccessRequestStore();
  public final AccessRequests access;
  public final InMemoryPendingRevocationStore pendingStore = new InMemoryPendingRevocationStore();
  public final PersonRevocations personRevocations;

  /** The person-assertion secret the issuer's gate trusts (the console's, in production). */
  public final PersonAssertions console;

  /** The front end URL person assertions name as their asserter. */
  public static final String CONSOLE_URL = "http://console.test.example";

  public final PeopleGate people;

  /**
   * What the issuer's usage reporter sent for admin tokens, as the real reporter builds it (the
   * events stay unserialized: the producer is a mock).
   */
  public final MockProducer<String, TokenUsed> usageSent =
      new MockProducer<>(true, null, new StringSerializer(), (topic, use) -> new byte[0]);

  public final UsageReporter usage =
      new UsageReporter(usageSent, "tokenwatch.token-used", "test-issuer", 1_000);
  private final Javalin server;
  private final HttpClient http = HttpClient.newHttpClient();

  public TestIssuer(Path dir) {
    this(dir, new RecordingEventLog());
  }

  public TestIssuer(Path dir, EventLog events) {
    this(dir, events, DpopVerifier.Window.symmetric(Duration.ofSeconds(60)));
  }

  /**
   * @param dpopWindow when the token endpoint accepts a DPoP proof's {@code iat}
   */
  public TestIssuer(Path dir, EventLog events, DpopVerifier.Window dpopWindow) {
    this(dir, events, dpopWindow, SigningAlgorithm.EDDSA);
  }

  /** An issuer signing with {@code algorithm} (RS256 for clients without EdDSA support). */
  public TestIssuer(Path dir, SigningAlgorithm algorithm) {
    this(
        dir,
        new RecordingEventLog(),
        DpopVerifier.Window.symmetric(Duration.ofSeconds(60)),
        algorithm);
  }

  private TestIssuer(
      Path dir, EventLog events, DpopVerifier.Window dpopWindow, SigningAlgorithm algorithm) {
    this.events = events;
    try {
      policyFile = dir.resolve("policy.yaml");
      try (InputStream sample = TestIssuer.class.getResourceAsStream("/sample-policy.yaml")) {
        Files.write(policyFile, sample.readAllBytes());
      }
      PolicyHolder[] holder = new PolicyHolder[1];
      IssuerMetrics metrics = new IssuerMetrics(meters, () -> holder[0].current());
      policy =
          new PolicyHolder(
              policyFile, new PolicyParser(Duration.ofHours(1), ISSUER), metrics::policyReload);
      holder[0] = policy;
      keys = SigningKeys.open(dir.resolve("data"), algorithm, clock);
      access = new AccessRequests(accessStore, policy::current, clock, Duration.ofDays(30));
      service =
          new TokenService(
              policy::current,
              access::exceptions,
              new TokenMinter(keys),
              new OwnTokens(keys, ISSUER, clock, revocations, Duration.ofSeconds(30)),
              events,
              grants,
              new DpopVerifier(clock, dpopWindow, 8192, 100_000),
              metrics,
              clock,
              ISSUER,
              "test-issuer",
              Duration.ofHours(1),
              revocations,
              Duration.ofSeconds(30),
              consentLog,
              consentRegistry,
              new AuthorizationCodes(clock, Duration.ofSeconds(60)));
      Path assertionSecret =
          PersonAssertions.createSecretFile(dir.resolve("person-assertion.secret"));
      console = PersonAssertions.fromSecretFile(assertionSecret, clock);
      // A test that wrote its own people first (writeUsers) keeps them.
      Path users = dir.resolve("users.yaml");
      if (!Files.exists(users)) {
        String hash = PasswordHashes.hash(PASSWORD);
        UsersFile.write(
            users,
            List.of(
                new UsersFile.User("alice", "Alice Example", EnumSet.of(Role.USER), hash),
                new UsersFile.User("bob", "Bob Example", EnumSet.of(Role.USER), hash),
                new UsersFile.User("root", "Root Admin", EnumSet.of(Role.ADMIN), hash)));
      }
      int port;
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      people =
          PeopleGate.start(
              PeopleConfig.of(
                  Map.of(
                      PeopleConfig.USERS_FILE,
                      users.toString(),
                      PeopleConfig.COOKIE_SECURE,
                      "false",
                      PeopleConfig.ASSERTION_SECRET_FILE,
                      assertionSecret.toString())),
              "http://localhost:" + port,
              clock);
      personRevocations =
          new PersonRevocations(
              service.revocations(), pendingStore, policy::current, clock, Duration.ofHours(24));
      PersonRevocationHttpApi personApi =
          new PersonRevocationHttpApi(personRevocations, people, policy::current);
      IssuerHttpApi api =
          new IssuerHttpApi(
              service,
              policy::current,
              keys,
              metrics,
              meters,
              ISSUER,
              MTLS_HEADER,
              Map.of("policy", () -> true),
              new AdminAuthenticator(
                  policy::current,
                  AdminAuthenticator.adminTokenValidator(
                      keys, ISSUER, revocations, Duration.ofSeconds(30), clock, usage),
                  adminEndpoint(),
                  metrics),
              personApi);
      ConsentPages pages =
          new ConsentPages(service.consents(), policy::current, people, clock, ISSUER);
      server =
          Javalin.create(
                  config -> {
                    config.startup.showJavalinBanner = false;
                    config.jetty.host = "localhost";
                    config.jetty.port = port;
                    config.http.maxRequestSize = 16_384; // issuer.http.max-body-bytes default
                    api.configure(config);
                    people.routes(config);
                    pages.configure(config);
                    new AccessRequestHttpApi(access, people).configure(config);
                    personApi.configure(config);
                  })
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public RecordingEventLog recorded() {
    return (RecordingEventLog) events;
  }

  public String url() {
    return "http://localhost:" + server.port();
  }

  /** The admin endpoint URL a DPoP proof must name. */
  public static String adminEndpoint() {
    return ISSUER + "/admin/revocations";
  }

  /** The token endpoint URL a DPoP proof must name. */
  public static String tokenEndpoint() {
    return ISSUER + "/oauth2/token";
  }

  public HttpResponse<String> postForm(
      String path, Map<String, String> params, Map<String, String> headers) {
    StringJoiner body = new StringJoiner("&");
    params.forEach(
        (k, v) ->
            body.add(
                URLEncoder.encode(k, StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return post(path, "application/x-www-form-urlencoded", body.toString(), headers);
  }

  public HttpResponse<String> post(
      String path, String contentType, String body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url() + path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return send(request.build());
  }

  /** Posts raw bytes, e.g. a body that is not valid UTF-8. */
  public HttpResponse<String> postBytes(
      String path, String contentType, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url() + path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    return send(request.build());
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static Map<String, String> basic(String clientId, String secret) {
    return Map.of(
        "Authorization",
        "Basic "
            + Base64.getEncoder()
                .encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8)));
  }

  /** Form parameters from alternating names and values. */
  public static Map<String, String> form(String... namesAndValues) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      form.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return form;
  }

  /** Issues a client-credentials token for orders-service and returns the access token. */
  public String ordersServiceToken(@Nullable String scope) {
    HttpResponse<String> response =
        postForm(
            "/oauth2/token",
            form(
                "grant_type",
                "client_credentials",
                "audience",
                ORDERS,
                "scope",
                scope == null ? "orders:read orders:write" : scope),
            basic(ORDERS_SERVICE, ORDERS_SECRET));
    if (response.statusCode() != 200) {
      throw new IllegalStateException(response.body());
    }
    return Json.field(response.body(), "access_token");
  }

  /**
   * Writes the users file a {@link TestIssuer} on {@code dir} reads: ann (user), bob (approver),
   * cid (approver and auditor), dee (auditor), all with {@link #PASSWORD}.
   */
  public static void writeUsers(Path dir) {
    String hash = PasswordHashes.hash(PASSWORD);
    try {
      UsersFile.write(
          dir.resolve("users.yaml"),
          List.of(
              new UsersFile.User("ann", "Ann Requester", EnumSet.of(Role.USER), hash),
              new UsersFile.User("bob", "Bob Approver", EnumSet.of(Role.APPROVER), hash),
              new UsersFile.User(
                  "cid", "Cid Approver", EnumSet.of(Role.APPROVER, Role.AUDITOR), hash),
              new UsersFile.User("dee", "Dee Auditor", EnumSet.of(Role.AUDITOR), hash)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop();
    usage.close();
    people.close();
    policy.close();
    meters.close();
  }
}
