package io.tokenwatch.bench.anomaly;

import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.bench.streams.GroupLag;
import io.tokenwatch.bench.streams.Load;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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
      load.offer(sendOne, lag, LiveTraffic.TOKENS, System.out);
    }
  }
}
