package io.tokenwatch.bench.issuer;

import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Issuance over HTTP, end to end: client credentials requests against a real issuer whose every
 * token waits for its {@code TokenIssued} event to be acknowledged ({@code acks=all}) by the
 * embedded broker. Two issuers run side by side in the same JVM and on the same broker, one signing
 * with EdDSA, one with RS256, measured one after the other in the same run.
 *
 * <ul>
 *   <li><b>closed loop</b>: {@code threads} clients each send the next request when the previous
 *       answer arrives, for {@code seconds}; reports tokens/s.
 *   <li><b>open loop</b>: requests are started at a fixed {@code rate}/s regardless of answers;
 *       latency is measured from the intended start (no coordinated omission); reports p50, p99,
 *       max.
 * </ul>
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.issuer.IssuanceLoadBenchmark [seconds] [threads] [rate]}. The load generator
 * runs on the same machine and takes CPU from the issuer and the broker.
 *
 * <p>{@code IssuanceLoadBenchmark serve [seconds]} starts the same platform and issuers, prints
 * their ports and serves for {@code seconds} (default 600), so that a load generator in another
 * process (e.g. {@code wrk} with {@code bench/wrk/token.lua}) can drive them.
 */
public final class IssuanceLoadBenchmark {

  private static final String BODY =
      "grant_type=client_credentials&audience=https%3A%2F%2Forders.example.com&scope=orders%3Aread";
  private static final String AUTH =
      "Basic "
          + Base64.getEncoder()
              .encodeToString(
                  "orders-service:demo-orders-service-secret-do-not-use-in-prod0"
                      .getBytes(StandardCharsets.UTF_8));

  private IssuanceLoadBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("serve")) {
      serve(args.length > 1 ? Integer.parseInt(args[1]) : 600);
      return;
    }
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    PrintStream out = System.out;
    Path dir = Files.createTempDirectory("tokenwatch-issuer-bench");
    Path policy = dir.resolve("policy.yaml");
    try (InputStream sample = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, sample.readAllBytes());
    }
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        IssuerServer eddsa = IssuerServer.start(config(platform, policy, dir, "EDDSA"));
        IssuerServer rs256 = IssuerServer.start(config(platform, policy, dir, "RS256"))) {
      HttpClient http =
          HttpClient.newBuilder()
              .executor(Executors.newFixedThreadPool(4))
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      out.printf(
          "seconds=%d threads=%d rate=%d cores=%d%n",
          seconds, threads, rate, Runtime.getRuntime().availableProcessors());
      for (IssuerServer server : List.of(eddsa, rs256)) {
        String alg = server == eddsa ? "EdDSA" : "RS256";
        URI uri = URI.create("http://localhost:" + server.port() + "/oauth2/token");
        closedLoop(http, uri, 5, threads); // warm-up
        double throughput = closedLoop(http, uri, seconds, threads);
        out.printf("%s closed loop: %.0f tokens/s%n", alg, throughput);
        openLoop(http, uri, 5, rate); // warm-up
        long[] latencies = openLoop(http, uri, seconds, rate);
        out.printf(
            "%s open loop at %d/s: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms errors=%d%n",
            alg,
            rate,
            latencies.length - 1,
            percentile(latencies, 0.50),
            percentile(latencies, 0.99),
            percentile(latencies, 1.0),
            latencies[latencies.length - 1]);
      }
    }
  }

  private static void serve(int seconds) throws Exception {
    Path dir = Files.createTempDirectory("tokenwatch-issuer-bench");
    Path policy = dir.resolve("policy.yaml");
    try (InputStream sample = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, sample.readAllBytes());
    }
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        IssuerServer eddsa = IssuerServer.start(config(platform, policy, dir, "EDDSA"));
        IssuerServer rs256 = IssuerServer.start(config(platform, policy, dir, "RS256"))) {
      System.out.printf(
          "serving EdDSA on port %d, RS256 on port %d for %d s%n",
          eddsa.port(), rs256.port(), seconds);
      System.out.flush();
      TimeUnit.SECONDS.sleep(seconds); // serving for a fixed time, not waiting for a condition
    }
  }

  private static IssuerConfig config(EmbeddedPlatform platform, Path policy, Path dir, String alg) {
    Map<String, Object> config = new HashMap<>(platform.schemaRegistryClientSettings());
    config.putAll(
        Map.of(
            IssuerConfig.ISSUER_URL,
            "http://localhost",
            IssuerConfig.PORT,
            "0",
            IssuerConfig.POLICY_FILE,
            policy.toString(),
            IssuerConfig.DATA_DIR,
            dir.resolve("issuer-" + alg).toString(),
            IssuerConfig.SIGNING_ALGORITHM,
            alg,
            IssuerConfig.INSTANCE_ID,
            "bench-" + alg,
            IssuerConfig.BOOTSTRAP_SERVERS,
            platform.bootstrapServers()));
    return IssuerConfig.of(config);
  }

  private static HttpRequest request(URI uri) {
    return HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", AUTH)
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(BODY))
        .build();
  }

  private static double closedLoop(HttpClient http, URI uri, int seconds, int threads)
      throws InterruptedException {
    LongAdder ok = new LongAdder();
    LongAdder failed = new LongAdder();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    for (int i = 0; i < threads; i++) {
      pool.execute(
          () -> {
            HttpRequest request = request(uri);
            while (System.nanoTime() < end) {
              try {
                HttpResponse<Void> response =
                    http.send(request, HttpResponse.BodyHandlers.discarding());
                (response.statusCode() == 200 ? ok : failed).increment();
              } catch (IOException e) {
                failed.increment();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
            }
          });
    }
    pool.shutdown();
    pool.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (failed.sum() > 0) {
      System.out.printf("  (%d failed requests)%n", failed.sum());
    }
    return ok.sum() / elapsed;
  }

  /** Latencies in ns, sorted; the last element is the error count. */
  private static long[] openLoop(HttpClient http, URI uri, int seconds, int rate)
      throws InterruptedException {
    int total = seconds * rate;
    long[] latencies = new long[total];
    AtomicLong errors = new AtomicLong();
    List<CompletableFuture<?>> inFlight = new ArrayList<>(total);
    HttpRequest request = request(uri);
    long intervalNanos = 1_000_000_000L / rate;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long intended = start + i * intervalNanos;
      long wait = intended - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait); // pacing the load, not waiting for a condition
      }
      int index = i;
      inFlight.add(
          http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
              .whenComplete(
                  (response, error) -> {
                    latencies[index] = System.nanoTime() - intended;
                    if (error != null || response.statusCode() != 200) {
                      errors.incrementAndGet();
                    }
                  }));
    }
    CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0]))
        .exceptionally(e -> null)
        .join();
    Arrays.sort(latencies);
    long[] result = Arrays.copyOf(latencies, total + 1);
    result[total] = errors.get();
    return result;
  }

  private static double percentile(long[] withErrors, double p) {
    int n = withErrors.length - 1;
    int index = (int) Math.min(n - 1, Math.ceil(p * n) - 1);
    return withErrors[Math.max(0, index)] / 1e6;
  }
}
