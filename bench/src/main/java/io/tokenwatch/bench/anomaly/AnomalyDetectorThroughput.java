package io.tokenwatch.bench.anomaly;

import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.bench.streams.GroupLag;
import io.tokenwatch.bench.streams.Load;
import io.tokenwatch.bench.streams.LoadAverage;
import io.tokenwatch.bench.streams.PacedPump;
import io.tokenwatch.bench.streams.RateRamp;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Pushes live {@code TokenUsed} traffic through the running anomaly detector (embedded broker and
 * registry, exactly-once v2, RocksDB state) and samples, every two seconds, how many uses the
 * detector has committed and how far its consumer group lags behind the topic's end.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.anomaly.AnomalyDetectorThroughput [rate/s, 0 = unthrottled] [seconds] [stream
 * threads]}, or with {@code ramp <from/s> <step/s> <to/s> <seconds a step> [stream threads]} to
 * find the saturation rate ({@link RateRamp}). A benchmark, not a test: it prints its samples and
 * asserts nothing.
 */
public final class AnomalyDetectorThroughput {

  private AnomalyDetectorThroughput() {}

  public static void main(String[] args) throws Exception {
    Load load = Load.parse(args);
    Path dir = Files.createTempDirectory("anomaly-bench");
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dir).build().start()) {
      run(platform, dir, load, load.threads());
    }
  }

  private static void run(EmbeddedPlatform platform, Path dir, Load load, int threads)
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
      GroupLag lag = new GroupLag(admin, appId);
      Runnable sendOne = () -> traffic.sendUse(producer);
      if (load.ramp()) {
        System.out.printf(
            Locale.ROOT,
            "ramp %,d..%,d/s by %,d, %d s a step, threads=%d tokens=%d, load average %s%n",
            load.from(),
            load.to(),
            load.step(),
            load.seconds(),
            threads,
            LiveTraffic.TOKENS,
            LoadAverage.now());
        try (PacedPump pump = new PacedPump(sendOne, load.from())) {
          RateRamp.run(pump, lag, load.from(), load.step(), load.to(), load.seconds(), System.out);
        }
        System.out.printf(Locale.ROOT, "load average at the end %s%n", LoadAverage.now());
        return;
      }
      long rate = load.from();
      int seconds = load.seconds();
      try (PacedPump pump = new PacedPump(sendOne, rate)) {
        System.out.printf(
            Locale.ROOT,
            "rate=%s seconds=%d threads=%d tokens=%d%n  t(s)   sent/s  processed/s       lag%n",
            rate == 0 ? "unthrottled" : Long.toString(rate),
            seconds,
            threads,
            LiveTraffic.TOKENS);
        long lastProcessed = lag.committed();
        long lastSent = pump.sent();
        long last = System.nanoTime();
        long firstProcessed = -1;
        long firstAt = 0;
        int steadyFrom = Math.max(10, seconds - 30);
        long steadyProcessed = -1;
        long steadyAt = 0;
        long steadyLag = 0;
        long behind = 0;
        for (int s = 2; s <= seconds; s += 2) {
          TimeUnit.SECONDS.sleep(2);
          long at = System.nanoTime();
          long processed = lag.committed();
          long end = lag.end();
          long nowSent = pump.sent();
          double dt = (at - last) / 1e9;
          if (s == 10) {
            firstProcessed = processed;
            firstAt = at;
          }
          behind = end - processed;
          if (s == steadyFrom) {
            steadyProcessed = processed;
            steadyAt = at;
            steadyLag = behind;
          }
          System.out.printf(
              Locale.ROOT,
              "%6d %8.0f %12.0f %9d%n",
              s,
              (nowSent - lastSent) / dt,
              (processed - lastProcessed) / dt,
              behind);
          lastProcessed = processed;
          lastSent = nowSent;
          last = at;
        }
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
              (behind - steadyLag) / span);
        }
      }
    }
  }
}
