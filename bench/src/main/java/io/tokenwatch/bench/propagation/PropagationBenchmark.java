package io.tokenwatch.bench.propagation;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.Decision;
import io.tokenwatch.validator.DenyReason;
import io.tokenwatch.validator.JwksSource;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.TokenRequest;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.jwks.HttpJwksFetcher;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * How long a revocation takes to reach validators, end to end, on one machine: the embedded
 * platform, the revocation stream and the issuer (sample policy) run in this JVM, plus {@code
 * validators} independent validators, each a {@link TokenValidator} over its own {@link
 * RevocationFeed} consumer and {@link RevocationIndex}, keys fetched from the issuer's JWKS URL.
 *
 * <p>In the background {@code rate} {@code TokenUsed} events per second, for tokens the issuer
 * really issued, are produced to {@code tokenwatch.token-used} the whole time, so the revocation
 * stream is busy while revocations flow.
 *
 * <p>Each round issues a token (client credentials, {@code orders-service}), checks that every
 * validator allows it, then revokes it with {@code POST /admin/revocations} ({@code
 * security-console}). One thread per validator calls {@code validate} every ~100 µs (a short park,
 * so the spinning does not starve the broker of the two cores) until the decision is {@code Deny}
 * with {@code REVOKED}. Latency is taken from the moment the HTTP 202 arrived ({@code t0}); the
 * time the request was sent is recorded as well, because the issuer writes the revocation to the
 * feed before it answers, so a validator may deny before the 202 is read (a negative latency from
 * the 202). An observer consumer records when the issuer's fast-path record and the revocation
 * stream's feed record for the token's key arrive.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.propagation.PropagationBenchmark [rounds] [warm-up rounds] [validators]
 * [rate/s]} (defaults 300, 50, 3, 5000). A benchmark, not a test: it prints and asserts nothing.
 */
public final class PropagationBenchmark {

  private static final String AUDIENCE = "https://orders.example.com";
  private static final String ISSUE_BODY =
      "grant_type=client_credentials&audience=https%3A%2F%2Forders.example.com&scope=orders%3Aread";
  private static final String ORDERS_SERVICE =
      basic("orders-service", "demo-orders-service-secret-do-not-use-in-prod0");
  private static final String SECURITY_CONSOLE =
      basic("security-console", "demo-security-console-secret-not-for-prod-use");
  private static final int BACKGROUND_TOKENS = 100;
  private static final long PARK_NANOS = 100_000;
  private static final Duration ROUND_TIMEOUT = Duration.ofSeconds(30);

  private PropagationBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int validators = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int rate = args.length > 3 ? Integer.parseInt(args[3]) : 5000;
    Path dir = Files.createTempDirectory("tokenwatch-propagation-bench");
    Path policy = dir.resolve("policy.yaml");
    try (InputStream sample = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      if (sample == null) {
        throw new IllegalStateException("the issuer's sample-policy.yaml is not on the classpath");
      }
      Files.write(policy, sample.readAllBytes());
    }
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        RevocationStreamApp stream = RevocationStreamApp.start(streamConfig(platform, dir));
        IssuerServer issuer = IssuerServer.start(issuerConfig(platform, policy, dir))) {
      new Run(platform, stream, issuer, validators, rate, System.out).measure(rounds, warmUp);
    }
  }

  private static Map<String, Object> streamConfig(EmbeddedPlatform platform, Path dir) {
    Map<String, Object> config = new HashMap<>();
    config.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.putAll(platform.schemaRegistryClientSettings());
    config.put(RevocationStreamConfig.STATE_DIR, dir.resolve("streams").toString());
    config.put(RevocationStreamConfig.HTTP_PORT, 0);
    return config;
  }

  private static IssuerConfig issuerConfig(EmbeddedPlatform platform, Path policy, Path dir) {
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
            dir.resolve("issuer").toString(),
            IssuerConfig.INSTANCE_ID,
            "bench-propagation",
            IssuerConfig.BOOTSTRAP_SERVERS,
            platform.bootstrapServers()));
    return IssuerConfig.of(config);
  }

  /** The 1, 5 and 15 minute load averages where the system reports them (Linux). */
  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** One measurement run against started services. */
  private static final class Run {
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
      Background background = null;
      try {
        for (int i = 0; i < validatorCount; i++) {
          validators.add(new Validator(i));
        }
        for (Validator v : validators) {
          if (!v.feed.awaitReady(Duration.ofSeconds(60))) {
            throw new IllegalStateException("validator " + v.id + " feed not ready");
          }
        }
        while (!stream.isRunning()) {
          TimeUnit.MILLISECONDS.sleep(100); // a harness poll, not a test wait
        }
        background = new Background(issueBackgroundTokens());
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
            loadAverage());
        int total = warmUp + rounds;
        long[][] perValidator = new long[validatorCount][rounds];
        long[] all = new long[rounds];
        long[] allFromSend = new long[rounds];
        long[] http202 = new long[rounds];
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
          long sent = System.nanoTime();
          HttpResponse<String> answer = http.send(revoke, HttpResponse.BodyHandlers.ofString());
          long t0 = System.nanoTime();
          if (answer.statusCode() != 202) {
            throw new IllegalStateException("revocation answered " + answer.statusCode());
          }
          if (!done.await(ROUND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("not every validator denied " + jti + " in time");
          }
          long[] arrivals = observer.await("token:" + jti, ROUND_TIMEOUT);
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
          allFromSend[r] = worst + (t0 - sent);
          http202[r] = t0 - sent;
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
        print("all validators (from send)", allFromSend);
        print("admin call (send to 202)", http202);
        print("fast-path record (from 202)", fastPathRecord.stream().mapToLong(x -> x).toArray());
        print("stream feed record (from 202)", streamRecord.stream().mapToLong(x -> x).toArray());
        print("validator after 1st record", behindObserver.stream().mapToLong(x -> x).toArray());
        out.printf(Locale.ROOT, "load average at the end: %s%n", loadAverage());
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
      }
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

    /** One validator: its own feed consumer, index and key set. */
    private final class Validator implements AutoCloseable {
      final int id;
      final RevocationFeed feed;
      final TokenValidator validator;
      final Thread thread;
      volatile @Nullable TokenRequest target;
      volatile @Nullable CountDownLatch done;
      volatile long deniedAt;
      volatile boolean running = true;

      Validator(int id) {
        this.id = id;
        Map<String, Object> consumer = new HashMap<>();
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-validator-feed-" + id);
        RevocationIndex index = new RevocationIndex();
        this.feed =
            new RevocationFeed(
                consumer,
                AvroSerdes.specific(Revocation.class, registry, serdes, false).deserializer(),
                Topics.REVOCATIONS.name(),
                Topics.REVOCATION_FAST_PATH.name(),
                index,
                Clock.systemUTC(),
                Duration.ofMillis(500));
        this.validator =
            TokenValidator.builder()
                .issuer("http://localhost")
                .audience(AUDIENCE)
                .jwks(
                    JwksSource.fetching(
                        new HttpJwksFetcher(
                            URI.create(
                                "http://localhost:" + issuer.port() + "/.well-known/jwks.json"),
                            Duration.ofSeconds(5)),
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(5),
                        Clock.systemUTC()))
                .revocations(feed)
                .build();
        this.thread = new Thread(this::spin, "bench-validator-" + id);
        this.thread.setDaemon(true);
        this.thread.start();
      }

      void watch(TokenRequest request, CountDownLatch latch) {
        done = latch;
        target = request;
        LockSupport.unpark(thread);
      }

      private void spin() {
        while (running) {
          TokenRequest request = target;
          if (request == null) {
            LockSupport.park(this);
            continue;
          }
          Decision decision = validator.validate(request);
          if (decision instanceof Decision.Deny deny && deny.reason() == DenyReason.REVOKED) {
            deniedAt = System.nanoTime();
            target = null;
            CountDownLatch latch = done;
            if (latch != null) {
              latch.countDown();
            }
          } else {
            LockSupport.parkNanos(PARK_NANOS);
          }
        }
      }

      @Override
      public void close() {
        running = false;
        LockSupport.unpark(thread);
        feed.close();
      }
    }

    /** Produces paced {@code TokenUsed} events for live tokens until closed. */
    private final class Background implements AutoCloseable {
      final AtomicLong sent = new AtomicLong();
      final AtomicLong errors = new AtomicLong();
      final AtomicBoolean running = new AtomicBoolean(true);
      final KafkaProducer<String, byte[]> producer;
      final List<String> ids = new ArrayList<>();
      final List<byte[]> events = new ArrayList<>();
      final Thread thread;

      Background(List<JWTClaimsSet> tokens) {
        this.producer =
            new KafkaProducer<>(
                Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    platform.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG,
                    "all",
                    ProducerConfig.LINGER_MS_CONFIG,
                    5,
                    ProducerConfig.COMPRESSION_TYPE_CONFIG,
                    "lz4",
                    ProducerConfig.CLIENT_ID_CONFIG,
                    "bench-background-uses"),
                new StringSerializer(),
                new ByteArraySerializer());
        var serializer = AvroSerdes.specific(TokenUsed.class, registry, serdes, false).serializer();
        for (JWTClaimsSet claims : tokens) {
          ids.add(claims.getJWTID());
          events.add(serializer.serialize(Topics.TOKEN_USED.name(), used(claims)));
        }
        this.thread = new Thread(this::pump, "bench-background-uses");
        this.thread.setDaemon(true);
      }

      void start() {
        thread.start();
      }

      private void pump() {
        long start = System.nanoTime();
        int i = 0;
        while (running.get()) {
          var unused =
              producer.send(
                  new ProducerRecord<>(Topics.TOKEN_USED.name(), ids.get(i), events.get(i)),
                  (metadata, error) -> {
                    if (error != null) {
                      errors.incrementAndGet();
                    }
                  });
          i = (i + 1) % ids.size();
          long n = sent.incrementAndGet();
          if (n % 50 == 0) {
            long ahead = start + n * 1_000_000_000L / rate - System.nanoTime();
            if (ahead > 0) {
              LockSupport.parkNanos(ahead); // pacing the producer
            }
          }
        }
      }

      private TokenUsed used(JWTClaimsSet claims) {
        Instant now = Instant.now();
        return TokenUsed.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setOccurredAt(now)
            .setTokenId(claims.getJWTID())
            .setSubject(claims.getSubject())
            .setTokenClientId("orders-service")
            .setValidatorId("bench-background")
            .setResource("GET " + AUDIENCE + "/orders/42")
            .setRequiredScopes(List.of("orders:read"))
            .setTokenScopes(List.of("orders:read"))
            .setDecision(UseDecision.ALLOWED)
            .setUseCount(1)
            .setTokenExpiresAt(claims.getExpirationTime().toInstant())
            .build();
      }

      @Override
      public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
        producer.close(Duration.ofSeconds(10));
      }
    }
  }

  /**
   * Follows the fast path and the feed like a validator and records, per key, when the issuer's
   * fast-path record and the revocation stream's feed record arrived.
   */
  private static final class FeedObserver implements AutoCloseable {
    private final Map<String, AtomicLongArray> arrivals = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    FeedObserver(String bootstrap) {
      this.consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrap,
                  ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                  false,
                  ConsumerConfig.CLIENT_ID_CONFIG,
                  "bench-feed-observer"),
              new StringDeserializer(),
              new ByteArrayDeserializer());
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(Topics.REVOCATION_FAST_PATH.name(), Topics.REVOCATIONS.name())) {
        consumer
            .partitionsFor(topic)
            .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // resolve the end now, before any revocation
      this.thread = new Thread(this::run, "bench-feed-observer");
      this.thread.setDaemon(true);
      this.thread.start();
    }

    void expect(String key) {
      arrivals.put(key, new AtomicLongArray(2));
    }

    /** The arrival times of the fast-path and the feed record for {@code key} (0 when none). */
    long[] await(String key, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      AtomicLongArray times = arrivals.get(key);
      while (times != null && times.get(1) == 0 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(1); // a harness poll for the slower stream record
      }
      arrivals.remove(key);
      return times == null ? new long[2] : new long[] {times.get(0), times.get(1)};
    }

    private void run() {
      try {
        while (running) {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            long now = System.nanoTime();
            AtomicLongArray times = record.key() == null ? null : arrivals.get(record.key());
            if (times != null) {
              int slot = record.topic().equals(Topics.REVOCATIONS.name()) ? 1 : 0;
              times.compareAndSet(slot, 0, now);
            }
          }
        }
      } catch (org.apache.kafka.common.errors.WakeupException e) {
        // closing
      } finally {
        consumer.close();
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      consumer.wakeup();
      thread.join(10_000);
    }
  }
}
