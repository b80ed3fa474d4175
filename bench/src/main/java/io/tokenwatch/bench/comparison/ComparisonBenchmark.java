package io.tokenwatch.bench.comparison;

import io.tokenwatch.bench.BenchIssuer;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Tokenwatch's revocation feed side by side, in one run on one machine under the same background
 * load, with what users of Keycloak or Ory Hydra do instead:
 *
 * <ul>
 *   <li><b>feed</b>: a gateway embedding {@code TokenValidator} over its own {@code
 *       RevocationFeed};
 *   <li><b>introspection</b>: the same {@code TokenValidator}, but asking RFC 7662 introspection on
 *       every request (its revocation view never ready, so its introspection fallback answers for
 *       every token); the revocation stream's own {@code /introspect} stands in for the server. Two
 *       clients: the validator sidecar's {@code IntrospectionFallback} ({@code java.net.http}, kept
 *       alive) and one kept-alive HTTP/1.1 connection per thread read on that thread;
 *   <li><b>expiry-only</b>: the same validator without any revocation source, which denies only at
 *       {@code exp}.
 * </ul>
 *
 * For the first two: decisions per second, per core of CPU they cost (process CPU time during the
 * phase minus the background's, measured in an idle phase of the same length), and decision latency
 * percentiles, {@code threads} callers in a closed loop for {@code seconds} each. Then {@code
 * rounds} revocations: from sending the admin revoke request to the first deny of each.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.comparison.ComparisonBenchmark [seconds] [threads] [rounds] [rate/s]}
 * (defaults 15, 2, 50, 5000). A benchmark, not a test: it prints and asserts nothing.
 */
public final class ComparisonBenchmark {

  static final String INTROSPECTION_SECRET = "bench-introspection-secret-not-for-production";

  private ComparisonBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    int rate = args.length > 3 ? Integer.parseInt(args[3]) : 5000;
    Path dir = Files.createTempDirectory("tokenwatch-comparison-bench");
    Path policy = BenchIssuer.samplePolicy(dir.resolve("policy.yaml"));
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        RevocationStreamApp stream = RevocationStreamApp.start(streamConfig(platform, dir));
        IssuerServer issuer =
            IssuerServer.start(
                BenchIssuer.config(
                    platform, policy, dir.resolve("issuer"), "bench-comparison", Map.of()))) {
      new Comparison(platform, stream, issuer, System.out).run(seconds, threads, rounds, rate);
    }
    // Kafka clients' and the HTTP clients' threads must not keep the JVM alive.
    System.exit(0);
  }

  private static Map<String, Object> streamConfig(EmbeddedPlatform platform, Path dir)
      throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.putAll(platform.schemaRegistryClientSettings());
    config.put(RevocationStreamConfig.STATE_DIR, dir.resolve("streams").toString());
    config.put(RevocationStreamConfig.HTTP_PORT, 0);
    config.put(
        RevocationStreamConfig.INTROSPECTION_SECRET_SHA256,
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(INTROSPECTION_SECRET.getBytes(StandardCharsets.UTF_8))));
    return config;
  }
}
