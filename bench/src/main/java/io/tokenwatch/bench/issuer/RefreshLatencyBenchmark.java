package io.tokenwatch.bench.issuer;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.bench.BenchIssuer;
import io.tokenwatch.bench.LoadAverage;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerServer;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The latency of one {@code refresh_token} request as a client sees it, over HTTP, against a real
 * issuer on the embedded platform: every refresh waits for its events to be acknowledged ({@code
 * acks=all}) and, where the issuer decides rotations in the log, for its rotation to be read back.
 * Closed loop, one request at a time, so each latency is one refresh alone (no queueing): the
 * sample policy's {@code reporting-agent} exchanges a service token for a DPoP-bound delegated
 * grant, then refreshes it again and again with each new refresh token.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.issuer.RefreshLatencyBenchmark [refreshes] [warm-up refreshes]} (defaults
 * 2000 and 500). Prints p50, p90, p99, p99.9 and max in milliseconds.
 */
public final class RefreshLatencyBenchmark {

  private static final String ORDERS = "https://orders.example.com";
  private static final String ORDERS_SERVICE = "orders-service";
  private static final String ORDERS_SECRET = "demo-orders-service-secret-do-not-use-in-prod0";
  private static final String AGENT = "reporting-agent";
  private static final String AGENT_SECRET = "demo-reporting-agent-secret-do-not-use-in-prod";
  private static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  private static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
  // A grant may be rotated 1000 times at most; a new grant is started well before.
  private static final int ROTATIONS_PER_GRANT = 900;
  private static final Pattern FIELD = Pattern.compile("\"%s\"\\s*:\\s*\"([^\"]+)\"");

  private final HttpClient http = HttpClient.newHttpClient();
  private final ECKey dpopKey;
  private final String tokenUrl;
  private final String issuerUrl;

  private RefreshLatencyBenchmark(int port) throws JOSEException {
    this.dpopKey = new ECKeyGenerator(Curve.P_256).generate();
    this.tokenUrl = "http://localhost:" + port + "/oauth2/token";
    this.issuerUrl = "http://localhost/oauth2/token";
  }

  public static void main(String[] args) throws Exception {
    int refreshes = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    PrintStream out = System.out;
    Path dir = Files.createTempDirectory("tokenwatch-refresh-bench");
    Path policy = BenchIssuer.samplePolicy(dir.resolve("policy.yaml"));
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        IssuerServer issuer =
            IssuerServer.start(
                BenchIssuer.config(
                    platform, policy, dir.resolve("issuer"), "bench-refresh", Map.of()))) {
      RefreshLatencyBenchmark bench = new RefreshLatencyBenchmark(issuer.port());
      bench.run(warmup, new Histogram(60_000_000_000L, 3));
      Histogram latencies = new Histogram(60_000_000_000L, 3);
      String before = LoadAverage.now();
      bench.run(refreshes, latencies);
      out.printf(
          "refresh over HTTP, acks=all, %d refreshes after %d warm-up, one at a time:%n"
              + "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms"
              + " (load average %s -> %s)%n",
          latencies.getTotalCount(),
          warmup,
          millis(latencies.getValueAtPercentile(50)),
          millis(latencies.getValueAtPercentile(90)),
          millis(latencies.getValueAtPercentile(99)),
          millis(latencies.getValueAtPercentile(99.9)),
          millis(latencies.getMaxValue()),
          before,
          LoadAverage.now());
    }
  }

  private static double millis(long nanos) {
    return nanos / 1_000_000.0;
  }

  /** Runs {@code count} refreshes one after another, starting new grants as needed. */
  private void run(int count, Histogram latencies) throws Exception {
    String refreshToken = null;
    int rotations = 0;
    for (int i = 0; i < count; i++) {
      if (refreshToken == null || rotations == ROTATIONS_PER_GRANT) {
        refreshToken = newGrant();
        rotations = 0;
      }
      long start = System.nanoTime();
      HttpResponse<String> response =
          post(form("grant_type", "refresh_token", "refresh_token", refreshToken), true);
      latencies.recordValue(System.nanoTime() - start);
      if (response.statusCode() != 200) {
        throw new IllegalStateException("refresh failed: " + response.body());
      }
      refreshToken = field(response.body(), "refresh_token");
      rotations++;
    }
  }

  /** A delegated grant of the reporting agent, from a fresh service token; its refresh token. */
  private String newGrant() throws Exception {
    HttpResponse<String> service =
        post(
            form("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read"),
            false);
    if (service.statusCode() != 200) {
      throw new IllegalStateException("client_credentials failed: " + service.body());
    }
    HttpResponse<String> exchanged =
        post(
            form(
                "grant_type",
                TOKEN_EXCHANGE,
                "subject_token",
                field(service.body(), "access_token"),
                "subject_token_type",
                ACCESS_TOKEN_TYPE,
                "scope",
                "orders:read"),
            true);
    if (exchanged.statusCode() != 200) {
      throw new IllegalStateException("token exchange failed: " + exchanged.body());
    }
    return field(exchanged.body(), "refresh_token");
  }

  private HttpResponse<String> post(String body, boolean asAgent) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(tokenUrl))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (asAgent) {
      request.header("Authorization", BenchIssuer.basic(AGENT, AGENT_SECRET));
      request.header("DPoP", proof());
    } else {
      request.header("Authorization", BenchIssuer.basic(ORDERS_SERVICE, ORDERS_SECRET));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A DPoP proof (RFC 9449) for the token endpoint as the issuer names it. */
  private String proof() throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .type(new JOSEObjectType("dpop+jwt"))
                .jwk(dpopKey.toPublicJWK())
                .build(),
            new JWTClaimsSet.Builder()
                .claim("htm", "POST")
                .claim("htu", issuerUrl)
                .issueTime(Date.from(Instant.now()))
                .jwtID(UUID.randomUUID().toString())
                .build());
    jwt.sign(new ECDSASigner(dpopKey));
    return jwt.serialize();
  }

  private static String form(String... pairs) {
    StringJoiner body = new StringJoiner("&");
    for (int i = 0; i < pairs.length; i += 2) {
      body.add(
          URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)
              + "="
              + URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
    }
    return body.toString();
  }

  private static String field(String json, String name) {
    Matcher matcher = Pattern.compile(String.format(FIELD.pattern(), name)).matcher(json);
    if (!matcher.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return matcher.group(1);
  }
}
