package io.tokenwatch.bench.propagation;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.bench.BenchIssuer;
import io.tokenwatch.bench.LoadAverage;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.TokenRequest;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One measurement run of {@link PropagationBenchmark} against started services: the validators, the
 * background load and the feed observer, the rounds of issue, check, revoke and wait for every
 * deny, and the printed results.
 */
final class Run {

  static final String AUDIENCE = "https://orders.example.com";
  private static final String ISSUE_BODY =
      "grant_type=client_credentials&audience=https%3A%2F%2Forders.example.com&scope=orders%3Aread";
  private static final String ORDERS_SERVICE =
      BenchIssuer.basic("orders-service", "demo-orders-service-secret-do-not-use-in-prod0");
  private static final String SECURITY_CONSOLE =
      BenchIssuer.basic("security-console", "demo-security-console-secret-not-for-prod-use");
  private static final int BACKGROUND_TOKENS = 100;
  private static final Duration ROUND_TIMEOUT = Duration.ofSeconds(30);

  /** About the size of a serialized fast-path {@code Revocation} record for a token. */
  private static final int BASELINE_VALUE_BYTES = 200;

  private final EmbeddedPlatform platform;
  private final RevocationStreamApp stream;
  private final IssuerServer issuer;
  private final int validatorCount;
  private final int rate;
  private final PrintStream out;
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI tokenUri;
  private final URI revokeUri;
  private final SerdeConfig serdes;
  private final HttpSchemaRegistryClient registry;

  Run(
      EmbeddedPlatform platform,
      RevocationStreamApp stream,
      IssuerServer issuer,
      int validatorCount,
      int rate,
      PrintStream out) {
    this.platform = platform;
    this.stream = stream;
    this.issuer = issuer;
    this.validatorCount = validatorCount;
    this.rate = rate;
    this.out = out;
    this.tokenUri = URI.create("http://localhost:" + issuer.port() + "/oauth2/token");
    this.revokeUri = URI.create("http://localhost:" + issuer.port() + "/admin/revocations");
    this.serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
    this.registry = new HttpSchemaRegistryClient(serdes.registrySettings());
  }

  void measure(int rounds, int warmUp) throws Exception {
    List<Validator> validators = new ArrayList<>();
    FeedObserver observer = new FeedObserver(platform.bootstrapServers());
    KafkaBaseline baseline = new KafkaBaseline(platform.bootstrapServers(), BASELINE_VALUE_BYTES);
    HttpConnection admin = new HttpConnection("localhost", revokeUri.getPort());
    Background background = null;
    try {
      for (int i = 0; i < validatorCount; i++) {
        validators.add(new Validator(i, platform, issuer, registry, serdes));
      }
      for (Validator v : validators) {
        if (!v.feed.awaitReady(Duration.ofSeconds(60))) {
          throw new IllegalStateException("validator " + v.id + " feed not ready");
        }
      }
      while (!stream.isRunning()) {
        TimeUnit.MILLISECONDS.sleep(100); // a harness poll, not a test wait
      }
      background = new Background(issueBackgroundTokens(), platform, registry, serdes, rate);
      background.start();
      TimeUnit.SECONDS.sleep(5); // let the stream settle under load before measuring
      out.printf(
          Locale.ROOT,
          "rounds=%d warm-up=%d validators=%d background rate=%d/s cores=%d load average: %s%n",
          rounds,
          warmUp,
          validatorCount,
          rate,
          Runtime.getRuntime().availableProcessors(),
          LoadAverage.now());
      int total = warmUp + rounds;
      long[][] perValidator = new long[validatorCount][rounds];
      long[] all = new long[rounds];
      List<Long> allFromSend = new ArrayList<>();
      List<Long> http202 = new ArrayList<>();
      List<Long> allFromSendJdk = new ArrayList<>();
      List<Long> http202Jdk = new ArrayList<>();
      long[] kafkaConsumed = new long[rounds];
      long[] kafkaAcked = new long[rounds];
      List<Long> fastPathRecord = new ArrayList<>();
      List<Long> streamRecord = new ArrayList<>();
      List<Long> behindObserver = new ArrayList<>();
      long measuredFrom = 0;
      long sentAtStart = 0;
      for (int round = 0; round < total; round++) {
        if (round == warmUp) {
          measuredFrom = System.nanoTime();
          sentAtStart = background.sent.get();
        }
        String token = issue();
        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        TokenRequest request = TokenRequest.of(token, "GET", AUDIENCE + "/orders/42", Set.of());
        for (Validator v : validators) {
          Decision d = v.validator.validate(request);
          if (!d.allowed()) {
            dumpFeedThreads();
            throw new IllegalStateException("validator " + v.id + " did not allow: " + d);
          }
        }
        observer.expect("token:" + jti);
        CountDownLatch done = new CountDownLatch(validatorCount);
        for (Validator v : validators) {
          v.watch(request, done);
        }
        HttpRequest revoke =
            HttpRequest.newBuilder(revokeUri)
                .header("Authorization", SECURITY_CONSOLE)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"kind\":\"token\",\"value\":\"" + jti + "\"}"))
                .build();
        // Odd rounds use java.net.http's client, for comparison; even rounds (the headline) one
        // kept-alive HTTP/1.1 connection written and read on this thread.
        boolean jdk = round % 2 == 1;
        String revokeBody = "{\"kind\":\"token\",\"value\":\"" + jti + "\"}";
        long sent = System.nanoTime();
        int status =
            jdk
                ? http.send(revoke, HttpResponse.BodyHandlers.ofString()).statusCode()
                : admin
                    .post(revokeUri.getPath(), SECURITY_CONSOLE, "application/json", revokeBody)
                    .status();
        long t0 = System.nanoTime();
        if (status != 202) {
          throw new IllegalStateException("revocation answered " + status);
        }
        if (!done.await(ROUND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("not every validator denied " + jti + " in time");
        }
        long[] arrivals = observer.await("token:" + jti, ROUND_TIMEOUT);
        long[] kafka = baseline.probe();
        if (round < warmUp) {
          continue;
        }
        int r = round - warmUp;
        long worst = Long.MIN_VALUE;
        for (Validator v : validators) {
          long latency = v.deniedAt - t0;
          perValidator[v.id][r] = latency;
          worst = Math.max(worst, latency);
        }
        all[r] = worst;
        (jdk ? allFromSendJdk : allFromSend).add(worst + (t0 - sent));
        (jdk ? http202Jdk : http202).add(t0 - sent);
        kafkaConsumed[r] = kafka[0];
        kafkaAcked[r] = kafka[1];
        if (arrivals[0] != 0) {
          fastPathRecord.add(arrivals[0] - t0);
          for (Validator v : validators) {
            behindObserver.add(v.deniedAt - arrivals[0]);
          }
        }
        if (arrivals[1] != 0) {
          streamRecord.add(arrivals[1] - t0);
        }
      }
      double seconds = (System.nanoTime() - measuredFrom) / 1e9;
      long backgroundSent = background.sent.get() - sentAtStart;
      out.printf(
          Locale.ROOT,
          "background achieved: %.0f TokenUsed/s over %.1f s (%d events, %d send errors)%n",
          backgroundSent / seconds,
          seconds,
          backgroundSent,
          background.errors.get());
      out.println("latency in ms            n      p50      p90      p99      max      min");
      for (int v = 0; v < validatorCount; v++) {
        print("validator " + v + " (from 202)", perValidator[v]);
      }
      long[] pooled = Arrays.stream(perValidator).flatMapToLong(Arrays::stream).toArray();
      print("any validator (pooled)", pooled);
      print("all validators (from 202)", all);
      print("all validators (from send)", longs(allFromSend));
      print("admin call (send to 202)", longs(http202));
      print("  same, java.net.http: all", longs(allFromSendJdk));
      print("  java.net.http admin call", longs(http202Jdk));
      print("kafka produce->consume", kafkaConsumed);
      print("kafka produce->ack", kafkaAcked);
      print("fast-path record (from 202)", fastPathRecord.stream().mapToLong(x -> x).toArray());
      print("stream feed record (from 202)", streamRecord.stream().mapToLong(x -> x).toArray());
      print("validator after 1st record", behindObserver.stream().mapToLong(x -> x).toArray());
      double headline = percentile(sorted(longs(allFromSend)), 0.99);
      double floor = percentile(sorted(kafkaConsumed), 0.99);
      out.printf(
          Locale.ROOT,
          "p99 all validators from the send (kept-alive HTTP/1.1): %.2f ms = %.2fx Kafka's own"
              + " produce-to-consume p99 (%.2f ms) in this run; within 10 ms: %s%n",
          headline,
          headline / floor,
          floor,
          headline <= 10.0 ? "yes" : "no");
      out.printf(Locale.ROOT, "load average at the end: %s%n", LoadAverage.now());
      out.printf(
          Locale.ROOT,
          "rounds where all validators denied within 25 ms of the 202: %d of %d%n",
          Arrays.stream(all).filter(x -> x <= 25_000_000L).count(),
          all.length);
    } finally {
      if (background != null) {
        background.close();
      }
      for (Validator v : validators) {
        v.close();
      }
      observer.close();
      baseline.close();
      admin.close();
    }
  }

  private static long[] longs(List<Long> values) {
    return values.stream().mapToLong(x -> x).toArray();
  }

  private static long[] sorted(long[] values) {
    long[] copy = values.clone();
    Arrays.sort(copy);
    return copy;
  }

  /** Where the feed threads are, to explain a feed that stopped catching up. */
  private void dumpFeedThreads() {
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              if (thread.getName().startsWith("tokenwatch-revocation-feed")) {
                out.println(thread.getName() + " " + thread.getState());
                for (StackTraceElement frame : stack) {
                  out.println("    at " + frame);
                }
              }
            });
  }

  private void print(String label, long[] nanos) {
    if (nanos.length == 0) {
      out.printf(Locale.ROOT, "%-26s %4d%n", label, 0);
      return;
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    out.printf(
        Locale.ROOT,
        "%-26s %4d %8.2f %8.2f %8.2f %8.2f %8.2f%n",
        label,
        sorted.length,
        percentile(sorted, 0.50),
        percentile(sorted, 0.90),
        percentile(sorted, 0.99),
        sorted[sorted.length - 1] / 1e6,
        sorted[0] / 1e6);
  }

  /** Nearest-rank percentile, in ms. */
  private static double percentile(long[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }

  private String issue() throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(tokenUri)
                .header("Authorization", ORDERS_SERVICE)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(ISSUE_BODY))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 200) {
      throw new IllegalStateException("issuance answered " + answer.statusCode());
    }
    String body = answer.body();
    int start = body.indexOf("\"access_token\":\"") + "\"access_token\":\"".length();
    return body.substring(start, body.indexOf('"', start));
  }

  private List<JWTClaimsSet> issueBackgroundTokens() throws Exception {
    List<JWTClaimsSet> tokens = new ArrayList<>();
    for (int i = 0; i < BACKGROUND_TOKENS; i++) {
      tokens.add(SignedJWT.parse(issue()).getJWTClaimsSet());
    }
    return tokens;
  }
}
