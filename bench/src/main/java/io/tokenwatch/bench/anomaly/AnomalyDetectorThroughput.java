package io.tokenwatch.bench.anomaly;

import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * Pushes live {@code TokenUsed} traffic through the running anomaly detector (embedded broker and
 * registry, exactly-once v2, RocksDB state) and samples, every two seconds, how many uses the
 * detector has committed and how far its consumer group lags behind the topic's end.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.anomaly.AnomalyDetectorThroughput [rate/s, 0 = unthrottled] [seconds] [stream
 * threads]}. A benchmark, not a test: it prints its samples and asserts nothing.
 */
public final class AnomalyDetectorThroughput {

  private AnomalyDetectorThroughput() {}

  public static void main(String[] args) throws Exception {
    long rate = args.length > 0 ? Long.parseLong(args[0]) : 0;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Path dir = Files.createTempDirectory("anomaly-bench");
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dir).build().start()) {
      run(platform, dir, rate, seconds, threads);
    }
  }

  private static void run(EmbeddedPlatform platform, Path dir, long rate, int seconds, int threads)
      throws Exception {
    String appId = "bench-anomaly-" + UUID.randomUUID();
    SerdeConfig serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
    var registry = new HttpSchemaRegistryClient(serdes.registrySettings());
    Map<String, Object> config = new HashMap<>();
    config.put(AnomalyDetectorConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.putAll(platform.schemaRegistryClientSettings());
    config.put(AnomalyDetectorConfig.APPLICATION_ID, appId);
    config.put(AnomalyDetectorConfig.STATE_DIR, dir.resolve("state").toString());
    config.put(AnomalyDetectorConfig.HTTP_PORT, 0);
    config.putAll(LiveTraffic.settingsFromSystemProperties());
    config.put(AnomalyDetectorConfig.NUM_STREAM_THREADS, threads);
    try (AnomalyDetectorApp app = AnomalyDetectorApp.start(config);
        Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()));
        KafkaProducer<byte[], byte[]> producer =
            LiveTraffic.producer(platform.bootstrapServers())) {
      while (!app.isRunning()) {
        TimeUnit.MILLISECONDS.sleep(100); // a harness poll, not a test wait
      }
      LiveTraffic traffic =
          new LiveTraffic(
              AvroSerdes.specific(TokenIssued.class, registry, serdes, false).serializer(),
              AvroSerdes.specific(TokenUsed.class, registry, serdes, false).serializer());
      traffic.issueAll(producer);
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicLong sent = new AtomicLong();
      Thread pump =
          new Thread(
              () -> {
                long start = System.nanoTime();
                while (running.get()) {
                  traffic.sendUse(producer);
                  long n = sent.incrementAndGet();
                  if (rate > 0 && n % 500 == 0) {
                    long ahead = start + n * 1_000_000_000L / rate - System.nanoTime();
                    if (ahead > 0) {
                      try {
                        TimeUnit.NANOSECONDS.sleep(ahead); // pacing the producer
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                      }
                    }
                  }
                }
              },
              "bench-producer");
      pump.start();
      System.out.printf(
          Locale.ROOT,
          "rate=%s seconds=%d threads=%d tokens=%d%n  t(s)   sent/s  processed/s       lag%n",
          rate == 0 ? "unthrottled" : Long.toString(rate),
          seconds,
          threads,
          LiveTraffic.TOKENS);
      long lastProcessed = committed(admin, appId);
      long lastSent = sent.get();
      long last = System.nanoTime();
      long firstProcessed = -1;
      long firstAt = 0;
      int steadyFrom = Math.max(10, seconds - 30);
      long steadyProcessed = -1;
      long steadyAt = 0;
      long steadyLag = 0;
      long lag = 0;
      for (int s = 2; s <= seconds; s += 2) {
        TimeUnit.SECONDS.sleep(2);
        long at = System.nanoTime();
        long processed = committed(admin, appId);
        long end = endOffsets(admin);
        long nowSent = sent.get();
        double dt = (at - last) / 1e9;
        if (s == 10) {
          firstProcessed = processed;
          firstAt = at;
        }
        lag = end - processed;
        if (s == steadyFrom) {
          steadyProcessed = processed;
          steadyAt = at;
          steadyLag = lag;
        }
        System.out.printf(
            Locale.ROOT,
            "%6d %8.0f %12.0f %9d%n",
            s,
            (nowSent - lastSent) / dt,
            (processed - lastProcessed) / dt,
            end - processed);
        lastProcessed = processed;
        lastSent = nowSent;
        last = at;
      }
      running.set(false);
      pump.join();
      if (firstProcessed >= 0) {
        System.out.printf(
            Locale.ROOT,
            "sustained processed/s after warm-up (t=10s..%ds): %.0f%n",
            seconds,
            (lastProcessed - firstProcessed) / ((last - firstAt) / 1e9));
      }
      if (steadyProcessed >= 0 && last > steadyAt) {
        double span = (last - steadyAt) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "steady state (t=%ds..%ds): processed/s %.0f, lag %+.0f records/s%n",
            steadyFrom,
            seconds,
            (lastProcessed - steadyProcessed) / span,
            (lag - steadyLag) / span);
      }
    }
  }

  static long committed(Admin admin, String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    long sum = 0;
    for (var entry : offsets.entrySet()) {
      if (entry.getKey().topic().equals(Topics.TOKEN_USED.name()) && entry.getValue() != null) {
        sum += entry.getValue().offset();
      }
    }
    return sum;
  }

  static long endOffsets(Admin admin) throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < Topics.TOKEN_USED.spec().partitions(); p++) {
      request.put(new TopicPartition(Topics.TOKEN_USED.name(), p), OffsetSpec.latest());
    }
    long sum = 0;
    for (var info : admin.listOffsets(request).all().get().values()) {
      sum += info.offset();
    }
    return sum;
  }
}
