package io.tokenwatch.bench.console;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.http.ApiAuthenticator;
import io.tokenwatch.audit.http.AuditApi;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.console.ConsoleConfig;
import io.tokenwatch.console.ConsoleServer;
import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.TokenValidator;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Measures the first render of the console's history pages (Grants, Timeline, Audit) over an audit
 * store of many events, and the audit API calls behind them.
 *
 * <p>The store is bulk-loaded by DuckDB itself ({@code INSERT ... SELECT FROM range(n)}): one
 * issuance per nine uses, 100,000 subjects, 200 clients, six partitions per topic, one event every
 * 100 ms ending an hour ago, then one signed checkpoint. The rows' hashes are not a real chain (the
 * store would take the sink's own ingest, about ten minutes for ten million events, to chain them;
 * {@code AuditSinkBenchmark} measures that and verification); no page's first render reads them.
 * The audit API runs over the file read-only with a token check against a fixed key; the console
 * asks a stand-in token endpoint for that key's tokens, as it asks the issuer.
 *
 * <p>Run: {@code java -cp <bench classpath> io.tokenwatch.bench.console.HistoryPagesBenchmark
 * [events, default 10000000] [directory, default a temporary one] [runs, default 7]} (an existing
 * {@code audit.duckdb} in the directory is reused). A benchmark, not a test: it prints its numbers
 * and asserts nothing. Each number is from the request's send to the last byte of the answer; the
 * first request of each URL is reported on its own, then the median and maximum of the runs.
 */
public final class HistoryPagesBenchmark {

  private static final int SUBJECTS = 100_000;
  private static final int CLIENTS = 200;
  private static final int PARTITIONS = 6;
  private static final String PASSWORD = "bench-password-not-secret";
  private static final String AUDIENCE = "urn:tokenwatch:audit";

  private HistoryPagesBenchmark() {}

  public static void main(String[] args) throws Exception {
    long events = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("console-bench");
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    Files.createDirectories(dir);
    Path file = dir.resolve("audit.duckdb");
    System.out.printf(
        "console history pages benchmark: %,d events in %s, %d runs, %d cores%n",
        events, file, runs, Runtime.getRuntime().availableProcessors());
    KeyPair checkpointKeys = KeyFiles.loadOrCreate(dir);
    if (!Files.exists(file)) {
      long start = System.nanoTime();
      load(file, events, checkpointKeys);
      System.out.printf(
          "bulk load: %.1f s, store file %,d bytes%n",
          (System.nanoTime() - start) / 1e9, Files.size(file));
    }

    OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).keyID("bench").generate();
    HttpServer tokens = tokenEndpoint(key);
    String issuerUrl = "http://127.0.0.1:" + tokens.getAddress().getPort();
    TokenValidator validator =
        TokenValidator.builder()
            .issuer(issuerUrl)
            .audience(AUDIENCE)
            .jwks(JwksSource.fixed(new JWKSet(key.toPublicJWK())))
            .revocations(RevocationView.none())
            .clock(Clock.systemUTC())
            .build();
    try (AuditStore root = AuditStore.openReadOnly(file);
        AuditApi api =
            AuditApi.start(
                "127.0.0.1",
                0,
                () -> {
                  synchronized (root) {
                    return root.duplicate();
                  }
                },
                new ApiAuthenticator(validator, "audit:read"),
                checkpointKeys.getPublic(),
                () -> true,
                () -> "",
                Clock.systemUTC());
        ConsoleServer console = console(dir, issuerUrl, "http://127.0.0.1:" + api.port())) {
      HttpClient browser =
          HttpClient.newBuilder()
              .cookieHandler(new CookieManager())
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      logIn(browser, console.url());
      String apiUrl = "http://127.0.0.1:" + api.port() + "/api/v1";
      String bearer = "Bearer " + token(key, issuerUrl);
      long lastToken = (events - 1) / 10;
      Map<String, String> pages = new LinkedHashMap<>();
      pages.put("grants, no filter", console.url() + "/grants");
      pages.put("grants, one subject", console.url() + "/grants?subject=user-4242");
      pages.put(
          "grants, client + audience + scope",
          console.url()
              + "/grants?client=client-17&audience=https%3A%2F%2Forders.example.com"
              + "&scope=orders%3Awrite");
      pages.put("grants, least-privilege part", console.url() + "/grants/least-privilege");
      pages.put("timeline, newest token", console.url() + "/timeline?token=tok-" + lastToken);
      pages.put("timeline, one subject", console.url() + "/timeline?subject=user-4242");
      pages.put("audit", console.url() + "/audit");
      Map<String, String> calls = new LinkedHashMap<>();
      calls.put("/grants?limit=51", apiUrl + "/grants?limit=51");
      calls.put("/grants?subject&limit=51", apiUrl + "/grants?subject=user-4242&limit=51");
      calls.put(
          "/grants?client&audience&scope&limit=51",
          apiUrl
              + "/grants?client=client-17&audience=https%3A%2F%2Forders.example.com"
              + "&scope=orders%3Awrite&limit=51");
      calls.put("/least-privilege?days=30", apiUrl + "/least-privilege?days=30");
      calls.put(
          "/tokens/{id}/timeline?limit=1000",
          apiUrl + "/tokens/tok-" + lastToken + "/timeline?limit=1000");
      calls.put("/events?subject&limit=51", apiUrl + "/events?subject=user-4242&limit=51");
      calls.put("/checkpoints?limit=10", apiUrl + "/checkpoints?limit=10");

      System.out.printf("%n| console page | status | first (ms) | median (ms) | max (ms) |%n");
      System.out.println("|---|---|---|---|---|");
      for (Map.Entry<String, String> page : pages.entrySet()) {
        measure(browser, page.getKey(), page.getValue(), null, runs);
      }
      System.out.printf("%n| audit API call | status | first (ms) | median (ms) | max (ms) |%n");
      System.out.println("|---|---|---|---|---|");
      for (Map.Entry<String, String> call : calls.entrySet()) {
        measure(browser, call.getKey(), call.getValue(), bearer, runs);
      }
    } finally {
      tokens.stop(0);
    }
  }

  /** Bulk-loads {@code events} rows into a new store and signs one checkpoint over them. */
  private static void load(Path file, long events, KeyPair keys) throws Exception {
    // Creates the schema as the sink would.
    AuditStore.openReadWrite(file).close();
    long end = Instant.now().minus(Duration.ofHours(1)).toEpochMilli();
    long t0 = end - events * 100;
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:" + file);
        Statement sql = db.createStatement()) {
      sql.execute("SET preserve_insertion_order = true");
      // i: the event; k = i // 10: its token; i % 10 == 0: the issuance, else one of nine uses.
      sql.execute(
          "INSERT INTO audit_events SELECT"
              + " 'ev-' || i AS event_id,"
              + " CASE WHEN i % 10 = 0 THEN 'TokenIssued' ELSE 'TokenUsed' END,"
              + " epoch_ms("
              + t0
              + " + i * 100),"
              + " 'user-' || ((i // 10) % "
              + SUBJECTS
              + "),"
              + " 'client-' || ((i // 10) % "
              + CLIENTS
              + "),"
              + " 'tok-' || (i // 10),"
              + " 'grant-' || (i // 10),"
              + " 'https://orders.example.com',"
              + " 'CLIENT_CREDENTIALS',"
              + " CASE WHEN i % 10 = 0 THEN 'orders:read orders:write' ELSE 'orders:read' END,"
              + " CASE WHEN i % 10 = 0 THEN 'ISSUED' ELSE 'ALLOWED' END,"
              + " CASE WHEN i % 10 = 0 THEN 'policy approved' ELSE NULL END,"
              + " 'bench-policy', 'v1',"
              + " CASE WHEN i % 10 = 0 THEN 'client:client-' || ((i // 10) % "
              + CLIENTS
              + ") ELSE 'gateway-' || ((i // 10) % "
              + PARTITIONS
              + ") END,"
              + " epoch_ms("
              + t0
              + " + (i // 10) * 1000 + 900000),"
              + " CASE WHEN i % 10 = 0 THEN 'tokenwatch.token-issued'"
              + "   ELSE 'tokenwatch.token-used' END,"
              + " ((i // 10) % "
              + PARTITIONS
              + ")::INTEGER,"
              + " i,"
              + " CASE WHEN i % 10 = 0 THEN '{\"token_id\":\"tok-' || (i // 10) || '\"}'"
              + "   ELSE '{\"validator_id\":\"gateway-' || ((i // 10) % "
              + PARTITIONS
              + ") || '\",\"resource\":\"GET /orders/' || (i % 1000) || '\","
              + "\"decision\":\"ALLOWED\",\"route_rule\":\"orders-read\"}' END,"
              + " CASE WHEN i % 10 = 0 THEN (i // 10) // "
              + PARTITIONS
              + "   ELSE ((i // 10) // "
              + PARTITIONS
              + ") * 9 + (i % 10) - 1 END,"
              + " unhex(sha256('prev-' || i))::BLOB,"
              + " unhex(sha256('hash-' || i))::BLOB,"
              + " substr(sha256('ev-' || i), 1, 32)::UUID"
              + " FROM range("
              + events
              + ") t(i)");
      sql.execute(
          "INSERT INTO audit_partitions SELECT source_topic, source_partition,"
              + " max(source_offset) + 1, max(chain_seq) + 1, arg_max(hash, chain_seq)"
              + " FROM audit_events GROUP BY ALL");
    }
    try (AuditStore store = AuditStore.openReadWrite(file)) {
      store.checkpoint(new CheckpointSigner(keys), System.currentTimeMillis());
    }
  }

  private static ConsoleServer console(Path dir, String issuerUrl, String auditUrl)
      throws Exception {
    Path users = dir.resolve("console-users.yaml");
    UsersFile.write(
        users,
        List.of(
            new UsersFile.User(
                "bench", "Bench Admin", EnumSet.of(Role.ADMIN), PasswordHashes.hash(PASSWORD))));
    Path secret = Files.writeString(dir.resolve("console-client.secret"), "bench-secret\n");
    Map<String, Object> settings = new HashMap<>();
    // The history pages read no topic; the console starts without a reachable broker.
    settings.put(ConsoleConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9");
    settings.put("schema.registry.url", "http://127.0.0.1:9");
    settings.put(ConsoleConfig.HTTP_HOST, "127.0.0.1");
    settings.put(ConsoleConfig.HTTP_PORT, 0);
    settings.put(ConsoleConfig.ISSUER_URL, issuerUrl);
    settings.put(ConsoleConfig.AUDIT_URL, auditUrl);
    settings.put(ConsoleConfig.CLIENT_ID, "bench-console");
    settings.put(ConsoleConfig.CLIENT_SECRET_FILE, secret.toString());
    settings.put(PeopleConfig.USERS_FILE, users.toString());
    // Plain http on loopback: the client keeps cookies only without the Secure flag.
    settings.put(PeopleConfig.COOKIE_SECURE, false);
    return ConsoleServer.start(ConsoleConfig.of(settings));
  }

  private static void logIn(HttpClient browser, String url) throws Exception {
    String form =
        browser
            .send(
                HttpRequest.newBuilder(URI.create(url + "/login")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(form);
    if (!csrf.find()) {
      throw new IllegalStateException("no CSRF token in the login form");
    }
    HttpResponse<String> answer =
        browser.send(
            HttpRequest.newBuilder(URI.create(url + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", url)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "username=bench&password="
                            + PASSWORD
                            + "&csrf="
                            + java.net.URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() >= 400) {
      throw new IllegalStateException("login failed: " + answer.statusCode());
    }
  }

  private static void measure(
      HttpClient client, String name, String url, @Nullable String bearer, int runs)
      throws Exception {
    List<Double> times = new ArrayList<>();
    int status = 0;
    double first = 0;
    for (int run = 0; run <= runs; run++) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5));
      if (bearer != null) {
        request.header("Authorization", bearer);
      }
      long start = System.nanoTime();
      HttpResponse<byte[]> answer =
          client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      double ms = (System.nanoTime() - start) / 1e6;
      status = answer.statusCode();
      if (run == 0) {
        first = ms;
      } else {
        times.add(ms);
      }
    }
    Collections.sort(times);
    System.out.printf(
        "| %s | %d | %.0f | %.0f | %.0f |%n",
        name, status, first, times.get(times.size() / 2), times.get(times.size() - 1));
  }

  private static HttpServer tokenEndpoint(OctetKeyPair key) throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/oauth2/token",
        exchange -> {
          try {
            String issuer = "http://127.0.0.1:" + server.getAddress().getPort();
            byte[] body =
                ("{\"access_token\":\""
                        + token(key, issuer)
                        + "\",\"token_type\":\"Bearer\",\"expires_in\":600}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          } catch (Exception e) {
            exchange.sendResponseHeaders(500, -1);
          } finally {
            exchange.close();
          }
        });
    server.start();
    return server;
  }

  private static String token(OctetKeyPair key, String issuer) throws Exception {
    Instant now = Instant.now();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.EdDSA)
                .type(new JOSEObjectType("at+jwt"))
                .keyID(key.getKeyID())
                .build(),
            new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject("bench-console")
                .audience(AUDIENCE)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .jwtID(UUID.randomUUID().toString())
                .claim("client_id", "bench-console")
                .claim("scope", "audit:read")
                .build());
    jwt.sign(new Ed25519Signer(key));
    return jwt.serialize();
  }
}
