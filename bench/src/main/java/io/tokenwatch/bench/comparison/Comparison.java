package io.tokenwatch.bench.comparison;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.bench.BenchIssuer;
import io.tokenwatch.bench.LoadAverage;
import io.tokenwatch.bench.propagation.Background;
import io.tokenwatch.bench.propagation.HttpConnection;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationFallback;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.VerifiedToken;
import io.tokenwatch.validator.http.IntrospectionFallback;
import io.tokenwatch.validator.jwks.HttpJwksFetcher;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jspecify.annotations.Nullable;

/** One run of {@link ComparisonBenchmark} against started services. */
final class Comparison {

  private static final String AUDIENCE = "https://orders.example.com";
  private static final String ISSUE_BODY =
      "grant_type=client_credentials&audience=https%3A%2F%2Forders.example.com&scope=orders%3Aread";
  private static final String ORDERS_SERVICE =
      BenchIssuer.basic("orders-service", "demo-orders-service-secret-do-not-use-in-prod0");
  private static final String SECURITY_CONSOLE =
      BenchIssuer.basic("security-console", "demo-security-console-secret-not-for-prod-use");
  private static final int TOKENS = 100;
  private static final long POLL_NANOS = 100_000;
  private static final Duration ROUND_TIMEOUT = Duration.ofSeconds(30);

  /** A view that never becomes ready: the validator asks its fallback for every token. */
  private static final RevocationView NEVER_READY =
      new RevocationView() {
        @Override
        public @Nullable String revokedBy(VerifiedToken token) {
          return null;
        }

        @Override
        public Freshness freshness() {
          return Freshness.NOT_READY;
        }
      };

  private final EmbeddedPlatform platform;
  private final RevocationStreamApp stream;
  private final IssuerServer issuer;
  private final PrintStream out;
  private final HttpConnection http;

  Comparison(
      EmbeddedPlatform platform, RevocationStreamApp stream, IssuerServer issuer, PrintStream out)
      throws java.io.IOException {
    this.platform = platform;
    this.stream = stream;
    this.issuer = issuer;
    this.out = out;
    this.http = new HttpConnection("localhost", issuer.port());
  }

  void run(int seconds, int threads, int rounds, int rate) throws Exception {
    SerdeConfig serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
    HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());
    Map<String, Object> consumer =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            platform.bootstrapServers(),
            ConsumerConfig.CLIENT_ID_CONFIG,
            "bench-comparison-feed");
    URI introspect = URI.create("http://localhost:" + stream.httpPort() + "/introspect");
    try (RevocationFeed feed =
            new RevocationFeed(
                consumer,
                AvroSerdes.specific(Revocation.class, registry, serdes, false).deserializer(),
                Topics.REVOCATIONS.name(),
                Topics.REVOCATION_FAST_PATH.name(),
                new RevocationIndex(),
                Clock.systemUTC(),
                Duration.ofMillis(500));
        KeptAliveIntrospection keptAlive =
            new KeptAliveIntrospection(
                stream.httpPort(), ComparisonBenchmark.INTROSPECTION_SECRET)) {
      if (!feed.awaitReady(Duration.ofSeconds(60))) {
        throw new IllegalStateException("the feed did not become ready");
      }
      TokenValidator withFeed = validator(feed, RevocationFallback.NONE);
      TokenValidator withJdkIntrospection =
          validator(
              NEVER_READY,
              new IntrospectionFallback(
                  introspect, ComparisonBenchmark.INTROSPECTION_SECRET, Duration.ofSeconds(5)));
      TokenValidator withIntrospection = validator(NEVER_READY, keptAlive);
      TokenValidator expiryOnly = validator(RevocationView.none(), RevocationFallback.NONE);

      List<String> tokens = new ArrayList<>();
      List<JWTClaimsSet> claims = new ArrayList<>();
      for (int i = 0; i < TOKENS; i++) {
        String token = issue();
        tokens.add(token);
        claims.add(SignedJWT.parse(token).getJWTClaimsSet());
      }
      List<TokenRequest> requests = new ArrayList<>();
      for (String token : tokens) {
        TokenRequest request = TokenRequest.of(token, "GET", AUDIENCE + "/orders/42", Set.of());
        requests.add(request);
        awaitAllowed(withIntrospection, request); // the stream has seen the token
        // Every gateway has fetched the issuer's keys before it is measured.
        awaitAllowed(withFeed, request);
        awaitAllowed(withJdkIntrospection, request);
        awaitAllowed(expiryOnly, request);
      }
      Background background = new Background(claims, platform, registry, serdes, rate);
      background.start();
      try {
        TimeUnit.SECONDS.sleep(5); // let the stream settle under load before measuring
        out.printf(
            Locale.ROOT,
            "phase=%d s threads=%d rounds=%d background rate=%d/s cores=%d load average: %s%n",
            seconds,
            threads,
            rounds,
            rate,
            Runtime.getRuntime().availableProcessors(),
            LoadAverage.now());
        out.println(
            "decisions            decisions/s  CPU cores  per core/s   p50 ms   p90 ms   p99 ms"
                + "   max ms  not allowed   CPU: callers http-client server other");
        Phase feedPhase = phase("feed", withFeed, requests, seconds, threads);
        Phase jdkPhase =
            phase("introspection (jdk)", withJdkIntrospection, requests, seconds, threads);
        Phase keptPhase =
            phase("introspection (kept)", withIntrospection, requests, seconds, threads);
        Delays delays = delays(rounds, withFeed, withIntrospection, expiryOnly);
        long sent = background.sent.get();
        out.printf(
            Locale.ROOT,
            "background: %d TokenUsed sent, %d send errors%n",
            sent,
            background.errors.get());
        out.printf(
            Locale.ROOT,
            "ratios: feed decisions per core = %.0fx introspection (kept-alive), %.0fx"
                + " (java.net.http); introspection p99 = %.0fx feed p99 (kept-alive), %.0fx"
                + " (java.net.http)%n",
            feedPhase.perCore() / keptPhase.perCore(),
            feedPhase.perCore() / jdkPhase.perCore(),
            keptPhase.p99() / feedPhase.p99(),
            jdkPhase.p99() / feedPhase.p99());
        out.printf(
            Locale.ROOT,
            "ratios: revocation delay p50 introspection/feed = %.1fx, expiry-only/feed = %.0fx;"
                + " p99 introspection/feed = %.1fx, expiry-only/feed = %.0fx%n",
            delays.introspection(0.50) / delays.feed(0.50),
            delays.expiry(0.50) / delays.feed(0.50),
            delays.introspection(0.99) / delays.feed(0.99),
            delays.expiry(0.99) / delays.feed(0.99));
        out.printf(Locale.ROOT, "load average at the end: %s%n", LoadAverage.now());
      } finally {
        background.close();
        http.close();
      }
    }
  }

  private record Phase(double perCore, double p99) {}

  /** Revocation delays in ms, sorted, from sending the revoke request to each gateway's deny. */
  private static final class Delays {
    private final double[] feed;
    private final double[] introspection;
    private final double[] expiry;

    Delays(double[] feed, double[] introspection, double[] expiry) {
      this.feed = feed.clone();
      this.introspection = introspection.clone();
      this.expiry = expiry.clone();
    }

    double feed(double p) {
      return percentile(feed, p);
    }

    double introspection(double p) {
      return percentile(introspection, p);
    }

    double expiry(double p) {
      return percentile(expiry, p);
    }
  }

  private TokenValidator validator(RevocationView revocations, RevocationFallback fallback) {
    return TokenValidator.builder()
        .issuer("http://localhost")
        .audience(AUDIENCE)
        .jwks(
            JwksSource.fetching(
                new HttpJwksFetcher(
                    URI.create("http://localhost:" + issuer.port() + "/.well-known/jwks.json"),
                    Duration.ofSeconds(5)),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Clock.systemUTC()))
        .revocations(revocations)
        .revocationFallback(fallback)
        .build();
  }

  /** CPU time used so far by each live thread of this process, by thread id. */
  private static Map<Long, Long> threadCpu() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long nanos = threads.getThreadCpuTime(id);
      if (nanos >= 0) {
        cpu.put(id, nanos);
      }
    }
    return cpu;
  }

  /**
   * CPU seconds per category since {@code before}: [callers (the gateway's threads), the HTTP
   * client's own threads, the HTTP servers' threads (Jetty), everything else (broker, streams,
   * background load)].
   */
  private static double[] cpuSince(Map<Long, Long> before) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] seconds = new double[4];
    for (Map.Entry<Long, Long> now : threadCpu().entrySet()) {
      ThreadInfo info = threads.getThreadInfo(now.getKey());
      if (info == null) {
        continue;
      }
      String name = info.getThreadName();
      double used = (now.getValue() - before.getOrDefault(now.getKey(), 0L)) / 1e9;
      int category;
      if (name.startsWith("bench-comparison-")) {
        category = 0;
      } else if (name.startsWith("HttpClient-")) {
        category = 1;
      } else if (name.contains("Jetty") || name.startsWith("qtp")) {
        category = 2;
      } else {
        category = 3;
      }
      seconds[category] += used;
    }
    return seconds;
  }

  private Phase phase(
      String name, TokenValidator validator, List<TokenRequest> requests, int seconds, int threads)
      throws InterruptedException {
    AtomicBoolean running = new AtomicBoolean(true);
    Map<String, AtomicLong> notAllowed = new ConcurrentHashMap<>();
    Histogram[] histograms = new Histogram[threads];
    long[] callerCpu = new long[threads];
    Thread[] callers = new Thread[threads];
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      Histogram histogram = new Histogram();
      histograms[t] = histogram;
      int offset = t * 7;
      int slot = t;
      callers[t] =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                long cpuAtStart = mx.getCurrentThreadCpuTime();
                int i = offset;
                while (running.get()) {
                  TokenRequest request = requests.get(i % requests.size());
                  long start = System.nanoTime();
                  Decision decision = validator.validate(request);
                  histogram.record(System.nanoTime() - start);
                  if (decision instanceof Decision.Deny deny) {
                    notAllowed
                        .computeIfAbsent(deny.reason().name(), r -> new AtomicLong())
                        .incrementAndGet();
                  }
                  i++;
                }
                callerCpu[slot] = mx.getCurrentThreadCpuTime() - cpuAtStart;
              },
              "bench-comparison-" + name + "-" + t);
      callers[t].start();
    }
    Map<Long, Long> cpu = threadCpu();
    long start = System.nanoTime();
    go.countDown();
    TimeUnit.SECONDS.sleep(seconds);
    running.set(false);
    for (Thread caller : callers) {
      caller.join();
    }
    double wall = (System.nanoTime() - start) / 1e9;
    double[] used = cpuSince(cpu);
    // The callers have ended: their own CPU, which each took before it ended.
    used[0] = Arrays.stream(callerCpu).sum() / 1e9;
    // What deciding costs: the gateway's threads, its HTTP client's, and the server's.
    double cores = (used[0] + used[1] + used[2]) / wall;
    Histogram all = new Histogram();
    for (Histogram h : histograms) {
      all.add(h);
    }
    double perSecond = all.count() / wall;
    double perCore = perSecond / Math.max(0.01, cores);
    out.printf(
        Locale.ROOT,
        "%-20s %11.0f %10.2f %11.0f %8.4f %8.4f %8.4f %8.2f %12s   %.2f %.2f %.2f %.2f%n",
        name,
        perSecond,
        cores,
        perCore,
        all.percentileMillis(0.50),
        all.percentileMillis(0.90),
        all.percentileMillis(0.99),
        all.maxMillis(),
        notAllowed.isEmpty() ? "0" : notAllowed.toString(),
        used[0] / wall,
        used[1] / wall,
        used[2] / wall,
        used[3] / wall);
    return new Phase(perCore, all.percentileMillis(0.99));
  }

  /**
   * Revokes {@code rounds} fresh tokens; for each, the time from sending the request to the first
   * deny of the feed gateway and of the introspecting one, each polled every ~100 µs on its own
   * thread; and the expiry-only gateway's delay: the token's {@code exp} minus the time the request
   * was sent, after checking that it still allows the revoked token.
   */
  private Delays delays(
      int rounds, TokenValidator feed, TokenValidator introspection, TokenValidator expiryOnly)
      throws Exception {
    double[] feedDelays = new double[rounds];
    double[] introspectionDelays = new double[rounds];
    double[] expiryDelays = new double[rounds];
    long expiryStillAllowed = 0;
    long lifetimeSeconds = 0;
    for (int round = 0; round < rounds; round++) {
      String token = issue();
      JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
      lifetimeSeconds =
          Duration.between(
                  claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant())
              .toSeconds();
      TokenRequest request = TokenRequest.of(token, "GET", AUDIENCE + "/orders/42", Set.of());
      awaitAllowed(feed, request);
      awaitAllowed(introspection, request);
      awaitAllowed(expiryOnly, request);
      long[] deniedAt = new long[2];
      CountDownLatch denied = new CountDownLatch(2);
      CountDownLatch armed = new CountDownLatch(2);
      Thread[] pollers = {
        poller(feed, request, deniedAt, 0, armed, denied),
        poller(introspection, request, deniedAt, 1, armed, denied)
      };
      armed.await();
      long sent = System.nanoTime();
      Instant sentAt = Instant.now();
      int status =
          http.post(
                  "/admin/revocations",
                  SECURITY_CONSOLE,
                  "application/json",
                  "{\"kind\":\"token\",\"value\":\"" + claims.getJWTID() + "\"}")
              .status();
      if (status != 202) {
        throw new IllegalStateException("revocation answered " + status);
      }
      if (!denied.await(ROUND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("not every gateway denied in time");
      }
      for (Thread poller : pollers) {
        poller.join();
      }
      feedDelays[round] = (deniedAt[0] - sent) / 1e6;
      introspectionDelays[round] = (deniedAt[1] - sent) / 1e6;
      if (expiryOnly.validate(request).allowed()) {
        expiryStillAllowed++;
      }
      expiryDelays[round] =
          Duration.between(sentAt, claims.getExpirationTime().toInstant()).toNanos() / 1e6;
    }
    Arrays.sort(feedDelays);
    Arrays.sort(introspectionDelays);
    Arrays.sort(expiryDelays);
    out.printf(
        Locale.ROOT,
        "revocation delay, from sending the revoke request (%d rounds), ms: p50 p90 p99 max%n",
        rounds);
    printDelays("feed", feedDelays);
    printDelays("introspection", introspectionDelays);
    printDelays("expiry-only", expiryDelays);
    out.printf(
        Locale.ROOT,
        "expiry-only still allowed the revoked token after both others denied it: %d of %d"
            + " rounds; token lifetime (exp - iat, the client's default TTL): %d s, so a token"
            + " revoked at a uniformly random moment of its life stays usable %d s on average%n",
        expiryStillAllowed,
        rounds,
        lifetimeSeconds,
        lifetimeSeconds / 2);
    return new Delays(feedDelays, introspectionDelays, expiryDelays);
  }

  private static Thread poller(
      TokenValidator validator,
      TokenRequest request,
      long[] deniedAt,
      int slot,
      CountDownLatch armed,
      CountDownLatch denied) {
    Thread thread =
        new Thread(
            () -> {
              armed.countDown();
              while (true) {
                Decision decision = validator.validate(request);
                if (decision instanceof Decision.Deny deny && deny.reason() == DenyReason.REVOKED) {
                  deniedAt[slot] = System.nanoTime();
                  denied.countDown();
                  return;
                }
                LockSupport.parkNanos(POLL_NANOS);
              }
            },
            "bench-comparison-poller-" + slot);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private void printDelays(String name, double[] sorted) {
    out.printf(
        Locale.ROOT,
        "  %-14s %10.2f %10.2f %10.2f %10.2f%n",
        name,
        percentile(sorted, 0.50),
        percentile(sorted, 0.90),
        percentile(sorted, 0.99),
        sorted[sorted.length - 1]);
  }

  /** Nearest-rank percentile of sorted values. */
  private static double percentile(double[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static void awaitAllowed(TokenValidator validator, TokenRequest request)
      throws InterruptedException {
    long deadline = System.nanoTime() + ROUND_TIMEOUT.toNanos();
    Decision decision = validator.validate(request);
    while (!decision.allowed()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("a fresh token was not allowed: " + decision);
      }
      TimeUnit.MILLISECONDS.sleep(5); // a harness poll: the stream learns of the token
      decision = validator.validate(request);
    }
  }

  private String issue() throws java.io.IOException {
    HttpConnection.Answer answer =
        http.post("/oauth2/token", ORDERS_SERVICE, "application/x-www-form-urlencoded", ISSUE_BODY);
    if (answer.status() != 200) {
      throw new IllegalStateException("issuance answered " + answer.status());
    }
    String body = answer.body();
    int start = body.indexOf("\"access_token\":\"") + "\"access_token\":\"".length();
    return body.substring(start, body.indexOf('"', start));
  }
}
