package io.tokenwatch.bench.validator;

import io.tokenwatch.bench.LoadAverage;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.revocation.FeedKey;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A fresh validator sidecar, as a new user starts it, against an empty revocation feed and against
 * one holding {@code --revocations} live revocations (1,000,000 by default), side by side in one
 * run.
 *
 * <p>The broker and schema registry run in this JVM ({@link EmbeddedPlatform}). The feed is filled
 * once, straight onto {@code tokenwatch.revocations} with the real Avro serializer (Confluent wire
 * format), keyed as the revocation stream keys it, with a mix of selector kinds (see {@link
 * #selector}). The empty-feed baseline reads a second, empty topic of the same layout ({@code
 * validator.revocation.topic}); everything else is the same.
 *
 * <p>Each launch is a child JVM running the sidecar image's entry point ({@code
 * io.tokenwatch.cli.SidecarImage validator}) with the given JVM flags. Measured per launch:
 *
 * <ul>
 *   <li>launch to ready: from starting the process to {@code GET /ready} answering 200, polled
 *       every 5 ms;
 *   <li>RSS: {@code VmRSS} of {@code /proc/<pid>/status} right when {@code /ready} answered;
 *   <li>live heap: {@code jcmd <pid> GC.class_histogram}, which runs a full GC first and sums the
 *       bytes of every object still reachable (independent of the collector and of heap sizing);
 *   <li>the index sizes the sidecar itself reports on {@code /metrics}, to check it loaded all.
 * </ul>
 *
 * <p>The cases alternate (empty, full, empty, full...) so that drifting machine load hits both; the
 * medians of {@code --launches} launches are reported, with the load average.
 *
 * <p>Run: {@code java -cp <bench classpath> io.tokenwatch.bench.validator.FleetStartupBenchmark
 * [--revocations N] [--launches N] [--jvm-flags "..."]}; docs/benchmarks/validator.md has the whole
 * command.
 */
public final class FleetStartupBenchmark {

  /** The flags docs/benchmarks/validator.md and the sidecar's README recommend. */
  static final String RECOMMENDED_FLAGS =
      "-XX:+UseSerialGC -Xss512k -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m"
          + " -XX:TieredStopAtLevel=1 -Xmx128m";

  private static final String EMPTY_TOPIC = "bench.revocations-empty";
  private static final Pattern INDEX_SIZE =
      Pattern.compile(
          "tokenwatch_revocation_index_size\\{[^}]*kind=\"(\\w+)\"[^}]*\\} ([0-9.E+]+)");
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)");

  /** {@code getconf CLK_TCK}: 100 on every Linux this runs on. */
  private static final long CLOCK_TICKS = 100;

  private FleetStartupBenchmark() {}

  /** One launch's measurements. */
  record Launch(long readyMillis, long cpuMillis, long rssKib, long liveHeapBytes, long indexed) {}

  public static void main(String[] args) throws Exception {
    int revocations = 1_000_000;
    int launches = 3;
    String flags = RECOMMENDED_FLAGS;
    String sidecarClasspath = System.getProperty("java.class.path");
    String compareClasspath = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--revocations" -> revocations = Integer.parseInt(args[++i]);
        case "--launches" -> launches = Integer.parseInt(args[++i]);
        case "--jvm-flags" -> flags = args[++i];
        case "--sidecar-classpath" -> sidecarClasspath = args[++i];
        case "--compare-classpath" -> compareClasspath = args[++i];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("tokenwatch-fleet-bench");
    try (EmbeddedPlatform platform =
        EmbeddedPlatform.builder(dir.resolve("platform")).build().start()) {
      SerdeConfig serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
      HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());
      Map<String, Object> clients = Map.of("bootstrap.servers", platform.bootstrapServers());
      try (Admin admin = Admin.create(clients)) {
        new TopicEnsurer(admin, registry, Duration.ofSeconds(60))
            .ensure(
                List.of(
                    Topics.REVOCATIONS,
                    Topics.REVOCATION_FAST_PATH,
                    Topics.TOKEN_USED,
                    Topics.VALIDATOR_STATUS));
        admin
            .createTopics(
                List.of(
                    new NewTopic(EMPTY_TOPIC, Topics.REVOCATIONS.spec().partitions(), (short) 1)
                        .configs(
                            Map.of(
                                TopicConfig.CLEANUP_POLICY_CONFIG,
                                TopicConfig.CLEANUP_POLICY_COMPACT))))
            .all()
            .get(60, TimeUnit.SECONDS);
      }
      long fillStart = System.nanoTime();
      fill(
          platform.bootstrapServers(),
          AvroSerdes.specific(Revocation.class, registry, serdes, false).serializer(),
          revocations);
      System.out.printf(
          Locale.ROOT,
          "filled %s with %,d revocations in %.1f s%n",
          Topics.REVOCATIONS.name(),
          revocations,
          (System.nanoTime() - fillStart) / 1e9);
      System.out.printf(Locale.ROOT, "child JVM flags: %s%n", flags);
      List<Launch> empty = new ArrayList<>();
      List<Launch> full = new ArrayList<>();
      String loadBefore = LoadAverage.now();
      for (int i = 0; i < launches; i++) {
        empty.add(launch(platform, dir, flags, sidecarClasspath, EMPTY_TOPIC, "empty-" + i));
        print("empty feed", i, empty.get(i));
        full.add(
            launch(platform, dir, flags, sidecarClasspath, Topics.REVOCATIONS.name(), "full-" + i));
        print(String.format(Locale.ROOT, "%,d revocations", revocations), i, full.get(i));
        if (full.get(i).indexed() != revocations) {
          throw new IllegalStateException(
              "the sidecar reports "
                  + full.get(i).indexed()
                  + " revocations held, not "
                  + revocations);
        }
      }
      String loadAfter = LoadAverage.now();
      report(revocations, flags, empty, full, loadBefore, loadAfter);
      if (compareClasspath != null) {
        // Another build of the sidecar (say, before a change), the same cases interleaved again.
        List<Launch> otherEmpty = new ArrayList<>();
        List<Launch> otherFull = new ArrayList<>();
        List<Launch> againEmpty = new ArrayList<>();
        List<Launch> againFull = new ArrayList<>();
        String loadBeforeComparison = LoadAverage.now();
        for (int i = 0; i < launches; i++) {
          otherEmpty.add(launch(platform, dir, flags, compareClasspath, EMPTY_TOPIC, "oe-" + i));
          print("compared build, empty feed", i, otherEmpty.get(i));
          otherFull.add(
              launch(platform, dir, flags, compareClasspath, Topics.REVOCATIONS.name(), "of-" + i));
          print("compared build, full feed", i, otherFull.get(i));
          againEmpty.add(launch(platform, dir, flags, sidecarClasspath, EMPTY_TOPIC, "ae-" + i));
          print("this build, empty feed", i, againEmpty.get(i));
          againFull.add(
              launch(platform, dir, flags, sidecarClasspath, Topics.REVOCATIONS.name(), "af-" + i));
          print("this build, full feed", i, againFull.get(i));
        }
        String loadAfterComparison = LoadAverage.now();
        System.out.println("\nCompared build (--compare-classpath):");
        report(
            revocations, flags, otherEmpty, otherFull, loadBeforeComparison, loadAfterComparison);
        System.out.println("This build, in the same interleaved rounds:");
        report(
            revocations, flags, againEmpty, againFull, loadBeforeComparison, loadAfterComparison);
      }
    }
  }

  /**
   * The selector kind of the {@code i}-th record: mostly single tokens (what users, clients and
   * max-use enforcement revoke), a few grants (refresh-token reuse), and a sprinkle of lineages,
   * subjects, clients and audiences, the broad selectors with watermarks.
   */
  static SelectorKind selector(SplittableRandom random) {
    int permille = random.nextInt(1000);
    if (permille < 940) {
      return SelectorKind.TOKEN;
    } else if (permille < 980) {
      return SelectorKind.GRANT;
    } else if (permille < 990) {
      return SelectorKind.SUBJECT;
    } else if (permille < 995) {
      return SelectorKind.LINEAGE;
    } else if (permille < 998) {
      return SelectorKind.CLIENT;
    }
    return SelectorKind.AUDIENCE;
  }

  private static void fill(String bootstrap, Serializer<Revocation> serializer, int count)
      throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    Instant now = Instant.now();
    try (KafkaProducer<String, Revocation> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                256 * 1024),
            new StringSerializer(),
            serializer)) {
      for (int i = 0; i < count; i++) {
        SelectorKind kind = selector(random);
        String value =
            switch (kind) {
              case TOKEN, GRANT, LINEAGE ->
                  new UUID(random.nextLong(), random.nextLong()).toString();
              case SUBJECT -> "user-" + i;
              case CLIENT -> "client-" + i;
              default -> "https://api-" + i + ".example.com";
            };
        // Single tokens are revoked outright; the broad selectors revoke what was issued before.
        Instant issuedBefore = kind == SelectorKind.TOKEN ? null : now;
        Revocation revocation =
            Revocation.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(now)
                .setSelector(
                    RevocationSelector.newBuilder()
                        .setKind(kind)
                        .setValue(value)
                        .setIssuedBefore(issuedBefore)
                        .build())
                .setReason(
                    kind == SelectorKind.GRANT
                        ? RevocationReason.REFRESH_TOKEN_REUSE
                        : RevocationReason.CLIENT_REQUEST)
                .setRequestedBy(kind == SelectorKind.GRANT ? "revocation-stream" : "client-" + i)
                .setForgetAfter(now.plus(Duration.ofHours(1)))
                .build();
        var unused =
            producer.send(
                new ProducerRecord<>(
                    Topics.REVOCATIONS.name(), FeedKey.of(kind, value), revocation));
      }
      producer.flush();
    }
  }

  private static Launch launch(
      EmbeddedPlatform platform,
      Path dir,
      String flags,
      String classpath,
      String topic,
      String name)
      throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (!flags.isBlank()) {
      command.addAll(Arrays.asList(flags.trim().split("\\s+")));
    }
    command.addAll(
        List.of(
            "-cp",
            classpath,
            "io.tokenwatch.cli.SidecarImage",
            "validator",
            "--bootstrap-servers",
            platform.bootstrapServers(),
            "--schema-registry-url",
            platform.schemaRegistryUrl(),
            "--schema-registry-credential",
            platform.registryCredentialFile().toString(),
            "--set",
            "validator.issuer=https://issuer.example.com",
            "--set",
            "validator.audience=https://api.example.com",
            "--set",
            "validator.jwks.url=http://localhost:1/.well-known/jwks.json",
            "--set",
            "validator.http.port=" + port,
            "--set",
            "validator.id=bench-" + name,
            "--set",
            "validator.revocation.topic=" + topic));
    Path log = dir.resolve("sidecar-" + name + ".log");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
    HttpRequest ready =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long start = System.nanoTime();
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      long readyAt = 0;
      while (readyAt == 0) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "sidecar exited with " + process.exitValue() + ":\n" + Files.readString(log));
        }
        if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(3)) {
          throw new IllegalStateException(
              "sidecar not ready in 3 minutes:\n" + Files.readString(log));
        }
        try {
          if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            readyAt = System.nanoTime();
          }
        } catch (IOException e) {
          // not listening yet
        }
        if (readyAt == 0) {
          TimeUnit.MILLISECONDS.sleep(5); // a harness poll, not a test wait
        }
      }
      long rss = rssKib(process.pid());
      long cpu = cpuMillis(process.pid());
      long indexed = indexed(http, port);
      long heap = liveHeap(process.pid());
      return new Launch(TimeUnit.NANOSECONDS.toMillis(readyAt - start), cpu, rss, heap, indexed);
    } finally {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  /**
   * CPU time the process has used (user + system, {@code /proc/<pid>/stat} fields 14 and 15):
   * unlike wall time, hardly inflated when other processes compete for the cores.
   */
  private static long cpuMillis(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    // The command name (field 2) may hold spaces; the fields after it are plain.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks * 1000 / CLOCK_TICKS;
  }

  /** Revocations the sidecar holds, by its own metrics (token ids plus selectors). */
  private static long indexed(HttpClient http, int port) throws Exception {
    String metrics =
        http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    long total = 0;
    Matcher m = INDEX_SIZE.matcher(metrics);
    while (m.find()) {
      total += (long) Double.parseDouble(m.group(2));
    }
    return total;
  }

  /** Bytes of reachable objects after the full GC that {@code GC.class_histogram} runs first. */
  private static long liveHeap(long pid) throws Exception {
    Process jcmd =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    jcmd.waitFor();
    Matcher m = HISTOGRAM_TOTAL.matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no total in the class histogram:\n" + out);
    }
    return Long.parseLong(m.group(2));
  }

  private static void print(String name, int i, Launch launch) {
    System.out.printf(
        Locale.ROOT,
        "%s, launch %d: ready in %d ms (%d ms CPU), RSS %.1f MiB, live heap %.1f MiB, %,d held%n",
        name,
        i + 1,
        launch.readyMillis(),
        launch.cpuMillis(),
        launch.rssKib() / 1024.0,
        launch.liveHeapBytes() / 1048576.0,
        launch.indexed());
  }

  private static long median(List<Launch> launches, java.util.function.ToLongFunction<Launch> f) {
    long[] values = launches.stream().mapToLong(f).sorted().toArray();
    return values[values.length / 2];
  }

  private static void report(
      int revocations,
      String flags,
      List<Launch> empty,
      List<Launch> full,
      String loadBefore,
      String loadAfter) {
    long emptyReady = median(empty, Launch::readyMillis);
    long fullReady = median(full, Launch::readyMillis);
    long emptyCpu = median(empty, Launch::cpuMillis);
    long fullCpu = median(full, Launch::cpuMillis);
    long emptyHeap = median(empty, Launch::liveHeapBytes);
    long fullHeap = median(full, Launch::liveHeapBytes);
    long emptyRss = median(empty, Launch::rssKib);
    long fullRss = median(full, Launch::rssKib);
    System.out.printf(
        Locale.ROOT,
        "%n| feed | launch to ready (ms, median of %d) | CPU used by ready (ms) | live heap (MiB)"
            + " | RSS at ready (MiB) |%n"
            + "|---|---|---|---|---|%n"
            + "| empty | %d | %d | %.1f | %.0f |%n"
            + "| %,d revocations | %d | %d | %.1f | %.0f |%n"
            + "| difference | **+%d ms** (%,.0f records/s) | +%d ms | **%.1f B per revocation** |"
            + " |%n%n"
            + "JVM flags: %s%nload average before %s, after %s%n",
        empty.size(),
        emptyReady,
        emptyCpu,
        emptyHeap / 1048576.0,
        emptyRss / 1024.0,
        revocations,
        fullReady,
        fullCpu,
        fullHeap / 1048576.0,
        fullRss / 1024.0,
        fullReady - emptyReady,
        revocations / Math.max(0.001, (fullReady - emptyReady) / 1000.0),
        fullCpu - emptyCpu,
        (fullHeap - emptyHeap) / (double) revocations,
        flags,
        loadBefore,
        loadAfter);
  }
}
