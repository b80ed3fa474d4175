package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.app.AnomalyDetectorApp;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.anomaly.scenarios.Attack;
import io.tokenwatch.anomaly.scenarios.Attacks;
import io.tokenwatch.anomaly.scenarios.Expected;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.anomaly.scenarios.NormalWorkload;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.topic.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The anomaly detector halted abruptly (SIGKILL of its JVM: no close, no commit) twice while a
 * seeded workload with every attack hidden in it is produced: once restarted on its own state
 * directory, once on an empty one, so its state comes back from the changelog topics alone.
 * Exactly-once means every alert the attacks must raise is on the alert topic exactly once (by
 * alert id), none is lost, none duplicated, and no other alert appears.
 */
@Tag("integration")
class DetectorCrashIntegrationTest {

  private static final long NORMAL_SEED = 21;
  private static final long ATTACK_SEED = 17;
  private static final int NORMAL_EVENTS = 30_000;
  private static final int BATCH = 500;
  private static final Duration PACE = Duration.ofMillis(300);
  private static final Duration WAIT = Duration.ofMinutes(3);

  /** How long alerts are still collected once every input is consumed, for a late false one. */
  private static final Duration QUIET = Duration.ofSeconds(5);

  private static final String APPLICATION_ID = "tokenwatch-anomaly-detector";

  @TempDir Path dataDir;

  @Test
  void shouldNeitherLoseNorDuplicateNorInventAlertsWhenTheDetectorIsKilledMidLoad()
      throws Exception {
    Instant start = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.MINUTES);
    List<Input> inputs =
        new ArrayList<>(NormalWorkload.generate(NORMAL_SEED, NORMAL_EVENTS, start));
    List<Expected> expected = new ArrayList<>();
    // The attacks begin while the normal traffic goes on, so their alerts fall in the second half
    // of the load, before the second halt, rather than after the last one.
    for (Attack attack : Attacks.all(ATTACK_SEED, start.minus(Duration.ofMinutes(15)))) {
      inputs.addAll(attack.inputs());
      expected.addAll(attack.expected());
    }
    inputs.sort(Comparator.comparing(Input::at));
    Set<String> inputTopics = inputs.stream().map(Input::topic).collect(Collectors.toSet());

    int port = Pipeline.freePort();
    Path log = dataDir.resolve("detector.log");
    Map<String, Object> figures = new LinkedHashMap<>();
    try (KafkaPlatform platform = KafkaPlatform.start(dataDir);
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
      ServiceProcess detector =
          ServiceProcess.start(
              AnomalyDetectorApp.class, settings(platform, port, dataDir.resolve("state-a")), log);
      try {
        await().atMost(WAIT).until(() -> ready(port));

        BackgroundLoad load = inputLoad(platform, inputs);
        try {
          // First halt once the detector has committed a quarter of the events; back on the
          // same state directory at once, while events keep coming.
          int quarter = inputs.size() / 4;
          await().atMost(WAIT).until(() -> consumed(admin, inputTopics) >= quarter);
          figures.put("eventsAcknowledgedAtHalt1", load.acknowledged());
          long consumedAtHalt1 = consumed(admin, inputTopics);
          figures.put("eventsConsumedAtHalt1", consumedAtHalt1);
          detector.kill();
          detector =
              ServiceProcess.start(
                  AnomalyDetectorApp.class,
                  settings(platform, port, dataDir.resolve("state-a")),
                  log);

          // Second halt once the restarted detector has committed three quarters of the events
          // (past the first attacks); back on an empty state directory, so its state comes from
          // the changelog topics alone.
          int threeQuarters = inputs.size() * 3 / 4;
          await().atMost(WAIT).until(() -> consumed(admin, inputTopics) >= threeQuarters);
          figures.put("eventsAcknowledgedAtHalt2", load.acknowledged());
          figures.put("eventsConsumedAtHalt2", consumed(admin, inputTopics));
          figures.put("alertsCommittedAtHalt2", alerts(platform).size());
          detector.kill();
          detector =
              ServiceProcess.start(
                  AnomalyDetectorApp.class,
                  settings(platform, port, dataDir.resolve("state-b")),
                  log);

          await().atMost(WAIT).until(load::done);
        } finally {
          load.close();
        }
        assertThat(load.failure()).isNull();
        assertThat(load.acknowledged()).isEqualTo(inputs.size());

        // Every input consumed (its offsets committed with the detector's transactions), every
        // expected alert there; then a few seconds more for any late, unexpected one.
        await().atMost(WAIT).until(() -> consumed(admin, inputTopics) == inputs.size());
        await().atMost(WAIT).until(() -> alerts(platform).size() >= expected.size());
        long quietUntil = System.nanoTime() + QUIET.toNanos();
        while (System.nanoTime() < quietUntil) {
          Thread.sleep(200);
        }
        List<SecurityAlert> alerts = alerts(platform);

        Map<String, Long> perAlertId = new TreeMap<>();
        alerts.forEach(a -> perAlertId.merge(a.getAlertId(), 1L, Long::sum));
        Map<String, Long> duplicated = new TreeMap<>(perAlertId);
        duplicated.values().removeIf(count -> count == 1L);
        assertThat(duplicated).as("alert ids on the topic more than once").isEmpty();
        assertThat(alerts.stream().map(DetectorCrashIntegrationTest::found).toList())
            .as("alerts %s", alerts)
            .containsExactlyInAnyOrderElementsOf(expected);

        Set<Rule> rules = new TreeSet<>();
        expected.forEach(e -> rules.add(e.rule()));
        figures.put("events", inputs.size());
        figures.put("eventsSent", load.sent());
        figures.put("eventsAcknowledged", load.acknowledged());
        figures.put("eventsConsumed", consumed(admin, inputTopics));
        figures.put("abruptHalts", 2);
        figures.put("restartsOnEmptyStateDirectory", 1);
        figures.put("rules", rules.size());
        figures.put("alertsExpected", expected.size());
        figures.put("alertsOnTopic", alerts.size());
        figures.put("distinctAlertIds", perAlertId.size());
        figures.put("alertsDuplicated", duplicated.size());
        figures.put("alertsUnexpected", alerts.size() - expected.size());
        Figures.record("detector-crash", figures);
      } catch (AssertionError | RuntimeException e) {
        // The detector ran in other JVMs: their output is the first thing to read on a failure.
        throw new AssertionError(
            e.getMessage() + "\n--- detector processes' output ---\n" + tail(log), e);
      } finally {
        detector.close();
      }
    }
  }

  private static Expected found(SecurityAlert alert) {
    return new Expected(
        Rule.valueOf(alert.getRule().name()),
        alert.getSubject() != null ? alert.getSubject() : "client:" + alert.getClientId(),
        alert.getTokenId());
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private static Map<String, Object> settings(KafkaPlatform platform, int port, Path stateDir) {
    Map<String, Object> settings = new LinkedHashMap<>(Attacks.settings());
    settings.put(AnomalyDetectorConfig.APPLICATION_ID, APPLICATION_ID);
    settings.put(AnomalyDetectorConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.put(AnomalyDetectorConfig.SCHEMA_REGISTRY_URL, platform.schemaRegistryUrl());
    settings.put(AnomalyDetectorConfig.STATE_DIR, stateDir.toString());
    settings.put(AnomalyDetectorConfig.HTTP_PORT, port);
    // Transactions of a second rather than 50 ms: a halt then leaves more processed but
    // uncommitted work (alerts among it) to be aborted and done again, which is what must not
    // duplicate an alert.
    settings.put(AnomalyDetectorConfig.COMMIT_INTERVAL_MS, 1_000);
    // A halted member's partitions move once the group notices it is gone: after the session
    // timeout, made short here so the test does not wait the default 45 s.
    settings.put(AnomalyDetectorConfig.STREAMS_PREFIX + "session.timeout.ms", 6_000);
    settings.put(AnomalyDetectorConfig.STREAMS_PREFIX + "heartbeat.interval.ms", 1_000);
    return settings;
  }

  private static boolean ready(int port) {
    try {
      HttpResponse<Void> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ready"))
                      .timeout(Duration.ofSeconds(5))
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * How many input records the detector has consumed for good: the offsets its group committed
   * (transactionally, with its outputs) on the input topics, summed. Each input record is one
   * offset, as they are written without transactions.
   */
  private static long consumed(Admin admin, Set<String> inputTopics) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(APPLICATION_ID).partitionsToOffsetAndMetadata().get();
    long sum = 0;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : committed.entrySet()) {
      if (entry.getValue() != null && inputTopics.contains(entry.getKey().topic())) {
        sum += entry.getValue().offset();
      }
    }
    return sum;
  }

  /** Every committed alert on the alert topic. */
  private static List<SecurityAlert> alerts(KafkaPlatform platform) {
    List<SecurityAlert> found = new ArrayList<>();
    for (ConsumerRecord<String, SecurityAlert> record :
        TopicReader.readAll(
            platform.bootstrapServers(),
            platform.schemaRegistryUrl(),
            Topics.SECURITY_ALERTS.name(),
            SecurityAlert.class)) {
      if (record.value() != null) {
        found.add(record.value());
      }
    }
    return found;
  }

  /**
   * The workload's events sent in time order from one thread, in batches of {@value #BATCH} each
   * flushed (every record acknowledged) before a pause, so the halts land mid-load.
   */
  /** Produces {@code inputs} in paced batches, so the halts land while events are produced. */
  private static BackgroundLoad inputLoad(KafkaPlatform platform, List<Input> inputs) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Serializer<SpecificRecord> avro = (Serializer) platform.serializer(TokenIssued.class);
    return new BackgroundLoad(
        "detector-input-load",
        load -> {
          try (KafkaProducer<String, byte[]> producer = platform.rawProducer()) {
            for (int from = 0; from < inputs.size() && !load.stopped(); from += BATCH) {
              for (Input input : inputs.subList(from, Math.min(inputs.size(), from + BATCH))) {
                load.sentOne();
                producer.send(
                    new ProducerRecord<>(
                        input.topic(),
                        null,
                        input.at().toEpochMilli(),
                        input.key(),
                        avro.serialize(input.topic(), input.value())),
                    (metadata, e) -> {
                      if (e == null) {
                        load.acknowledgedOne();
                      } else {
                        load.failed(e);
                      }
                    });
              }
              producer.flush();
              Thread.sleep(PACE.toMillis());
            }
          }
        });
  }
}
