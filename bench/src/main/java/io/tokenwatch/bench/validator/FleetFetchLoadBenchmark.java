package io.tokenwatch.bench.validator;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.bench.LoadAverage;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.embedded.registry.RegistryCredential;
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
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.kafka.RevocationFeed;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One broker serving a fleet of validators on the revocation feed: the broker's CPU and the fetch
 * load each validator puts on it, idle and while revocations arrive at a steady rate.
 *
 * <p>The broker and schema registry run in this JVM ({@link EmbeddedPlatform}); nothing else runs
 * here but a producer of {@code --rate} revocations/s in the loaded phase, so this process's CPU
 * time ({@code /proc/self/stat}) is the broker's, plus that producer's. The validators are {@code
 * --validators} {@link RevocationFeed}s (the library, with the sidecar's settings: feed and fast
 * path, 500 ms polls) in one child JVM, each its own consumer, connection and thread; a sidecar JVM
 * each would not fit on a small machine and would add nothing the broker sees.
 *
 * <p>Per phase of {@code --seconds} seconds: the broker's CPU, the requests it served by kind
 * ({@code kafka.network:type=RequestMetrics,name=RequestsPerSec}, from its JMX beans) and the bytes
 * it sent ({@code BrokerTopicMetrics BytesOutPerSec}), divided by the number of validators; and,
 * from the validators' own consumer metrics, fetches and bytes received per validator.
 *
 * <p>Run: {@code java -cp <bench classpath> io.tokenwatch.bench.validator.FleetFetchLoadBenchmark
 * [--validators 50] [--rate 100] [--seconds 30]}.
 */
public final class FleetFetchLoadBenchmark {

  private static final long CLOCK_TICKS = 100;
  private static final List<String> REQUEST_KINDS =
      List.of("Fetch", "ListOffsets", "Metadata", "ApiVersions");

  private FleetFetchLoadBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("validators")) {
      validators(args[1], args[2], Integer.parseInt(args[3]), args[4]);
      return;
    }
    int validators = 50;
    int rate = 100;
    int seconds = 30;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--validators" -> validators = Integer.parseInt(args[++i]);
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("tokenwatch-fleet-fetch");
    try (EmbeddedPlatform platform =
        EmbeddedPlatform.builder(dir.resolve("platform")).build().start()) {
      SerdeConfig serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
      HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()))) {
        new TopicEnsurer(admin, registry, Duration.ofSeconds(60))
            .ensure(List.of(Topics.REVOCATIONS, Topics.REVOCATION_FAST_PATH));
      }
      Path credential = platform.registryCredentialFile();
      List<String> command =
          List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-XX:+UseSerialGC",
              "-Xmx512m",
              "-cp",
              System.getProperty("java.class.path"),
              FleetFetchLoadBenchmark.class.getName(),
              "validators",
              platform.bootstrapServers(),
              platform.schemaRegistryUrl(),
              Integer.toString(validators),
              credential.toString());
      Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      try (KafkaProducer<String, Revocation> producer =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  platform.bootstrapServers(),
                  ProducerConfig.ACKS_CONFIG,
                  "all"),
              new StringSerializer(),
              AvroSerdes.specific(Revocation.class, registry, serdes, false).serializer())) {
        // The schema is registered before the validators start, as the stream would have.
        producer.send(record(UUID.randomUUID().toString())).get(30, TimeUnit.SECONDS);
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("ready")) {
          // the child's log, until every validator is ready
        }
        if (line == null) {
          throw new IllegalStateException("the validators' JVM exited: " + child.waitFor());
        }
        System.out.printf(
            Locale.ROOT, "%d validators ready; load average %s%n", validators, LoadAverage.now());
        TimeUnit.SECONDS.sleep(5); // let bootstrap traffic settle before measuring
        List<String> rows = new ArrayList<>();
        rows.add(phase("idle", 0, seconds, validators, producer, child, out));
        rows.add(phase(rate + " revocations/s", rate, seconds, validators, producer, child, out));
        System.out.printf(
            Locale.ROOT,
            "%n| phase | broker CPU (%% of one core) | per validator: Fetch req/s | ListOffsets"
                + " req/s | Metadata req/s | bytes/s sent by the broker | bytes/s received"
                + " (client) |%n|---|---|---|---|---|---|---|%n");
        rows.forEach(System.out::println);
        System.out.printf(Locale.ROOT, "%nload average after %s%n", LoadAverage.now());
      } finally {
        child.destroy();
        child.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static String phase(
      String name,
      int rate,
      int seconds,
      int validators,
      KafkaProducer<String, Revocation> producer,
      Process child,
      BufferedReader childOut)
      throws Exception {
    Map<String, Double> requestsBefore = requests();
    double bytesOutBefore = brokerCount("kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec");
    double[] clientBefore = client(child, childOut);
    long cpuBefore = cpuMillis();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    long next = start;
    while (System.nanoTime() < end) {
      if (rate > 0 && System.nanoTime() >= next) {
        var unused = producer.send(record(UUID.randomUUID().toString()));
        next += TimeUnit.SECONDS.toNanos(1) / rate;
      }
      LockSupport.parkNanos(
          rate > 0 ? Math.max(0, next - System.nanoTime()) : TimeUnit.MILLISECONDS.toNanos(100));
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpu = cpuMillis() - cpuBefore;
    Map<String, Double> requestsAfter = requests();
    double bytesOut =
        brokerCount("kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec") - bytesOutBefore;
    double[] clientAfter = client(child, childOut);
    double perValidator = elapsed * validators;
    return String.format(
        Locale.ROOT,
        "| %s | %.1f | %.2f (client: %.2f) | %.2f | %.3f | %,.0f | %,.0f |",
        name,
        100.0 * cpu / 1000.0 / elapsed,
        (requestsAfter.getOrDefault("Fetch", 0.0) - requestsBefore.getOrDefault("Fetch", 0.0))
            / perValidator,
        (clientAfter[0] - clientBefore[0]) / perValidator,
        (requestsAfter.getOrDefault("ListOffsets", 0.0)
                - requestsBefore.getOrDefault("ListOffsets", 0.0))
            / perValidator,
        (requestsAfter.getOrDefault("Metadata", 0.0) - requestsBefore.getOrDefault("Metadata", 0.0))
            / perValidator,
        bytesOut / perValidator,
        (clientAfter[1] - clientBefore[1]) / perValidator);
  }

  private static ProducerRecord<String, Revocation> record(String jti) {
    Instant now = Instant.now();
    return new ProducerRecord<>(
        Topics.REVOCATIONS.name(),
        FeedKey.of(SelectorKind.TOKEN, jti),
        Revocation.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setOccurredAt(now)
            .setSelector(
                RevocationSelector.newBuilder().setKind(SelectorKind.TOKEN).setValue(jti).build())
            .setReason(RevocationReason.CLIENT_REQUEST)
            .setRequestedBy("bench")
            .setForgetAfter(now.plus(Duration.ofHours(1)))
            .build());
  }

  /** The broker's request counts by kind, from its JMX beans (every version of each request). */
  private static Map<String, Double> requests() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Map<String, Double> counts = new HashMap<>();
    for (String kind : REQUEST_KINDS) {
      double total = 0;
      for (ObjectName name :
          server.queryNames(
              new ObjectName(
                  "kafka.network:type=RequestMetrics,name=RequestsPerSec,request=" + kind + ",*"),
              null)) {
        total += ((Number) server.getAttribute(name, "Count")).doubleValue();
      }
      counts.put(kind, total);
    }
    return counts;
  }

  private static double brokerCount(String name) throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    double total = 0;
    for (ObjectName found : server.queryNames(new ObjectName(name), null)) {
      total += ((Number) server.getAttribute(found, "Count")).doubleValue();
    }
    return total;
  }

  /** The validators' fetches and bytes received so far, summed, as their JVM reports them. */
  private static double[] client(Process child, BufferedReader out) throws Exception {
    child.getOutputStream().write('\n');
    child.getOutputStream().flush();
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("client ")) {
        String[] parts = line.split(" ");
        return new double[] {Double.parseDouble(parts[1]), Double.parseDouble(parts[2])};
      }
    }
    throw new IllegalStateException("the validators' JVM exited");
  }

  private static long cpuMillis() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1000 / CLOCK_TICKS;
  }

  /**
   * The child: {@code count} feeds; prints {@code ready} once all are, then, for every line read on
   * stdin, {@code client <fetches> <bytes received>} summed over their consumers.
   */
  private static void validators(
      String bootstrap, String registryUrl, int count, String credentialFile) throws Exception {
    Map<String, Object> registrySettings =
        new HashMap<>(
            RegistryCredential.parse(Files.readString(Path.of(credentialFile)).trim())
                .clientSettings());
    registrySettings.put(SerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
    SerdeConfig serdes = SerdeConfig.of(registrySettings);
    HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());
    List<RevocationFeed> feeds = new ArrayList<>();
    List<SimpleMeterRegistry> meters = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Map<String, Object> consumer = new HashMap<>();
      consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "fleet-validator-" + i);
      RevocationFeed feed =
          new RevocationFeed(
              consumer,
              AvroSerdes.specific(Revocation.class, registry, serdes, false).deserializer(),
              Topics.REVOCATIONS.name(),
              Topics.REVOCATION_FAST_PATH.name(),
              new RevocationIndex(),
              Clock.systemUTC(),
              Duration.ofMillis(500));
      SimpleMeterRegistry registryOfFeed = new SimpleMeterRegistry();
      feed.bindClientMetricsTo(registryOfFeed);
      feeds.add(feed);
      meters.add(registryOfFeed);
    }
    for (RevocationFeed feed : feeds) {
      if (!feed.awaitReady(Duration.ofMinutes(5))) {
        throw new IllegalStateException(feed + " not ready in 5 minutes");
      }
    }
    System.out.println("ready");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    while (in.readLine() != null) {
      double fetches = 0;
      double bytes = 0;
      for (SimpleMeterRegistry registryOfFeed : meters) {
        fetches += sum(registryOfFeed, "kafka.consumer.fetch.manager.fetch.total");
        bytes += sum(registryOfFeed, "kafka.consumer.incoming.byte.total");
      }
      System.out.printf(Locale.ROOT, "client %.0f %.0f%n", fetches, bytes);
      System.out.flush();
    }
    for (RevocationFeed feed : feeds) {
      feed.close();
    }
  }

  private static double sum(SimpleMeterRegistry registry, String name) {
    double total = 0;
    for (FunctionCounter counter : registry.find(name).functionCounters()) {
      total += counter.count();
    }
    return total;
  }
}
