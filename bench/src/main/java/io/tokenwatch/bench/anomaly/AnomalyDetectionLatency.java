package io.tokenwatch.bench.anomaly;

import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.bench.streams.GroupLag;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.events.UseDenyReason;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Detection latency: with ordinary traffic at a steady rate in the background, sends ten triggers a
 * second (a use of a revoked token, each a new token, which REPLAY_AFTER_REVOCATION fires on at
 * once) and measures, per alert, from the trigger's append (its record timestamp, set at send) to
 * the alert becoming readable by a read_committed consumer. That includes the detector's
 * transaction commit, so it is the latency a security team's consumer sees.
 *
 * <p>Triggers start once the detector has caught up with the background traffic (its lag on the use
 * topic under a fifth of a second of traffic at three one-second samples in a row, and at least ten
 * seconds after start): what is measured is detection at that rate, not the detector working
 * through the backlog its own start-up left. The time that took is printed; a detector that never
 * catches up within three minutes is measured anyway, and the output says so.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar
 * io.tokenwatch.bench.anomaly.AnomalyDetectionLatency [background rate/s] [seconds]}. A benchmark,
 * not a test: it prints percentiles and asserts nothing.
 */
public final class AnomalyDetectionLatency {

  private AnomalyDetectionLatency() {}

  public static void main(String[] args) throws Exception {
    long rate = args.length > 0 ? Long.parseLong(args[0]) : 5_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    Path dir = Files.createTempDirectory("anomaly-latency");
    try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dir).build().start()) {
      run(platform, dir, rate, seconds);
    }
  }

  private static void run(EmbeddedPlatform platform, Path dir, long rate, int seconds)
      throws Exception {
    SerdeConfig serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
    var registry = new HttpSchemaRegistryClient(serdes.registrySettings());
    Map<String, Object> config = new HashMap<>();
    config.put(AnomalyDetectorConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.putAll(platform.schemaRegistryClientSettings());
    String appId = "bench-latency-" + UUID.randomUUID();
    config.put(AnomalyDetectorConfig.APPLICATION_ID, appId);
    config.put(AnomalyDetectorConfig.STATE_DIR, dir.resolve("state").toString());
    config.put(AnomalyDetectorConfig.HTTP_PORT, 0);
    config.putAll(LiveTraffic.settingsFromSystemProperties());
    var usedSerializer = AvroSerdes.specific(TokenUsed.class, registry, serdes, false).serializer();
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    double warmUpSeconds;
    boolean caughtUpInTime;
    try (AnomalyDetectorApp app = AnomalyDetectorApp.start(config);
        Admin admin = Admin.create(Map.of("bootstrap.servers", platform.bootstrapServers()));
        KafkaProducer<byte[], byte[]> producer = LiveTraffic.producer(platform.bootstrapServers());
        KafkaConsumer<String, SecurityAlert> alerts =
            new KafkaConsumer<>(
                Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "bench-latency-reader",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10),
                new StringDeserializer(),
                AvroSerdes.specific(SecurityAlert.class, registry, serdes, false).deserializer())) {
      while (!app.isRunning()) {
        TimeUnit.MILLISECONDS.sleep(100); // a harness poll, not a test wait
      }
      LiveTraffic traffic =
          new LiveTraffic(
              AvroSerdes.specific(TokenIssued.class, registry, serdes, false).serializer(),
              usedSerializer);
      traffic.issueAll(producer);
      alerts.subscribe(List.of(Topics.SECURITY_ALERTS.name()));
      while (alerts.assignment().isEmpty()) {
        alerts.poll(Duration.ofMillis(100));
      }
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicBoolean triggering = new AtomicBoolean(false);
      Thread pump =
          new Thread(
              () -> {
                long start = System.nanoTime();
                long n = 0;
                int trigger = 0;
                while (running.get()) {
                  traffic.sendUse(producer);
                  n++;
                  if (triggering.get() && n % Math.max(1, rate / 10) == 0) {
                    String token = "trigger-" + trigger++;
                    Instant now = Instant.now();
                    TokenUsed replay =
                        TokenUsed.newBuilder()
                            .setEventId(UUID.randomUUID().toString())
                            .setOccurredAt(now)
                            .setTokenId(token)
                            .setSubject("victim-" + token)
                            .setTokenClientId("client-000")
                            .setSourceAddress("203.0.113.9")
                            .setValidatorId("bench-validator")
                            .setResource("GET /x")
                            .setRequiredScopes(List.of("read"))
                            .setTokenScopes(List.of("read"))
                            .setDecision(UseDecision.DENIED)
                            .setDenyReason(UseDenyReason.REVOKED)
                            .setUseCount(1)
                            .build();
                    sentAt.put(token, now.toEpochMilli());
                    var unused =
                        producer.send(
                            new ProducerRecord<>(
                                Topics.TOKEN_USED.name(),
                                null,
                                now.toEpochMilli(),
                                token.getBytes(StandardCharsets.UTF_8),
                                usedSerializer.serialize(Topics.TOKEN_USED.name(), replay)));
                    producer.flush();
                  }
                  long ahead = start + n * 1_000_000_000L / rate - System.nanoTime();
                  if (n % 50 == 0 && ahead > 0) {
                    try {
                      TimeUnit.NANOSECONDS.sleep(ahead); // pacing the producer
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return;
                    }
                  }
                }
              },
              "bench-producer");
      pump.start();
      long started = System.nanoTime();
      long giveUp = started + TimeUnit.MINUTES.toNanos(3);
      int caughtUp = 0;
      GroupLag groupLag = new GroupLag(admin, appId);
      while (caughtUp < 3 && System.nanoTime() < giveUp) {
        TimeUnit.SECONDS.sleep(1);
        long lag = groupLag.end() - groupLag.committed();
        boolean warm = System.nanoTime() - started >= TimeUnit.SECONDS.toNanos(10);
        caughtUp = warm && lag < Math.max(1, rate / 5) ? caughtUp + 1 : 0;
        alerts.poll(Duration.ZERO);
      }
      warmUpSeconds = (System.nanoTime() - started) / 1e9;
      caughtUpInTime = caughtUp >= 3;
      triggering.set(true);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, SecurityAlert> record : alerts.poll(Duration.ofMillis(20))) {
          long received = System.currentTimeMillis();
          String token = record.value().getTokenId();
          Long sent = token == null ? null : sentAt.remove(token);
          if (sent != null) {
            latencies.add(received - sent);
          }
        }
      }
      running.set(false);
      pump.join();
    }
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      System.out.println("no alerts received");
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "background=%d/s seconds=%d alerts=%d (triggers from %.1f s after start%s)%n"
            + "latency ms: p50=%d p90=%d p99=%d max=%d%n",
        rate,
        seconds,
        sorted.size(),
        warmUpSeconds,
        caughtUpInTime ? ", once caught up" : "; the detector never caught up",
        percentile(sorted, 0.50),
        percentile(sorted, 0.90),
        percentile(sorted, 0.99),
        sorted.get(sorted.size() - 1));
  }

  private static long percentile(List<Long> sorted, double p) {
    int index = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
