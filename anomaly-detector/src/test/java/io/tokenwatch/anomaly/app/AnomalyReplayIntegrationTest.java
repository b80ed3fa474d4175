package io.tokenwatch.anomaly.app;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.Severity;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.anomaly.scenarios.Attack;
import io.tokenwatch.anomaly.scenarios.Attacks;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.anomaly.scenarios.NormalWorkload;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.AlertRule;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backtesting is repeatable: the same week-old window replayed again and again, in one JVM, each
 * run independent of the earlier ones and leaving no consumer group, internal topic or state
 * directory behind.
 *
 * <p>This class runs its own broker and registry: a replay finds its window with {@code
 * offsetsForTimes}, which assumes a log in time order, and the shared test cluster holds other
 * tests' recent traffic after which this test's week-old events would land.
 */
@Tag("integration")
class AnomalyReplayIntegrationTest {

  @TempDir static Path dataDir;
  private static EmbeddedPlatform platform;

  /** 30 days: not the topic default, and longer than the age of the replayed window. */
  private static final String TOPIC_B_RETENTION_MS = String.valueOf(Duration.ofDays(30).toMillis());

  private static Instant from;
  private static Instant to;
  private static int produced;

  @BeforeAll
  static void startPlatformWithAWeekOldWindow() throws Exception {
    platform = EmbeddedPlatform.builder(dataDir.resolve("platform")).build().start();
    from = Instant.now().minus(Duration.ofDays(8)).truncatedTo(ChronoUnit.MINUTES);
    List<Input> inputs = new ArrayList<>(NormalWorkload.generate(3, 3_000, from));
    for (Attack attack : Attacks.all(17, from)) {
      inputs.addAll(attack.inputs());
    }
    inputs.sort(Comparator.comparing(Input::at));
    to = inputs.get(inputs.size() - 1).at();
    produced = inputs.size();
    TopicEnsurer.ensureCatalogue(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()),
        registry());
    produce(inputs);
  }

  @AfterAll
  static void stopPlatform() {
    if (platform != null) {
      platform.close();
    }
  }

  @Test
  void shouldRaiseTheSameIncidentsInEveryReplayOfAWindowAndReplayItAgainWithOtherThresholds()
      throws Exception {
    Path stateDir = Files.createDirectories(dataDir.resolve("state-repeat"));
    AnomalyDetectorConfig config = AnomalyDetectorConfig.of(settings(stateDir));

    String topicA = "backtest-a-" + UUID.randomUUID();
    AnomalyReplay.Result a =
        AnomalyReplay.run(config, from, to, topicA, null, Duration.ofMinutes(5));
    assertNothingLeftBehind(a.applicationId(), stateDir);
    assertThat(a.records()).isEqualTo(produced);
    assertThat(a.outputTopicCreated()).isTrue();
    assertThat(a.internalTopicsDeleted()).isPositive();
    assertThat(a.cleanupProblems()).isEmpty();
    assertThat(retentionMs(topicA))
        .as("a created output topic keeps week-old alerts")
        .isEqualTo("-1");
    List<SecurityAlert> alertsA = alerts(topicA);
    assertThat(alertsA).isNotEmpty();
    assertThat(a.alerts()).as("the summary counts").isEqualTo(counts(alertsA));

    // The same window again, into a topic that exists already: used as it is. Its retention is
    // its own but longer than the window's age: the broker's retention check would otherwise
    // delete the week-old alerts whenever its turn came before this test read them.
    String topicB = "backtest-b-" + UUID.randomUUID();
    createTopic(topicB, Map.of(TopicConfig.RETENTION_MS_CONFIG, TOPIC_B_RETENTION_MS));
    AnomalyReplay.Result b =
        AnomalyReplay.run(config, from, to, topicB, null, Duration.ofMinutes(5));
    assertNothingLeftBehind(b.applicationId(), stateDir);
    assertThat(b.applicationId()).isNotEqualTo(a.applicationId());
    assertThat(b.outputTopicCreated()).isFalse();
    assertThat(retentionMs(topicB)).isEqualTo(TOPIC_B_RETENTION_MS);
    List<SecurityAlert> alertsB = alerts(topicB);
    assertThat(b.alerts()).isEqualTo(counts(alertsB));
    assertThat(keys(alertsB)).as("run B vs run A").isEqualTo(keys(alertsA));
    assertThat(comparable(alertsB).stream().map(SecurityAlert::getAlertId).sorted().toList())
        .isEqualTo(comparable(alertsA).stream().map(SecurityAlert::getAlertId).sorted().toList());

    // Other thresholds over the same window, at once: a run of its own, counted and cleaned up.
    // Not asserted: that lower thresholds raise a superset of run A's incidents. They do not
    // always: a USAGE_SPIKE baseline depends on where the window is cut, and an alert firing
    // earlier at a lower threshold starts its suppression window earlier (seen in CI runs).
    Map<String, Object> lower = settings(stateDir);
    lower.put(AnomalyDetectorConfig.SPREAD_DISTINCT, 2);
    lower.put(AnomalyDetectorConfig.SPIKE_FACTOR, 3.0);
    lower.put(AnomalyDetectorConfig.REFUSALS_COUNT, 2);
    lower.put(AnomalyDetectorConfig.INSUFFICIENT_SCOPE_COUNT, 2);
    String topicC = "backtest-c-" + UUID.randomUUID();
    AnomalyReplay.Result c =
        AnomalyReplay.run(
            AnomalyDetectorConfig.of(lower), from, to, topicC, null, Duration.ofMinutes(5));
    assertNothingLeftBehind(c.applicationId(), stateDir);
    List<SecurityAlert> alertsC = alerts(topicC);
    assertThat(c.applicationId()).isNotIn(a.applicationId(), b.applicationId());
    assertThat(c.records()).isEqualTo(produced);
    assertThat(c.alerts()).isEqualTo(counts(alertsC));
    assertThat(alertsC.stream().filter(alert -> alert.getRule() == AlertRule.TOKEN_SPREAD).count())
        .as("tokens seen from two sources alert at distinct=2, not only at the default")
        .isGreaterThan(
            alertsA.stream().filter(alert -> alert.getRule() == AlertRule.TOKEN_SPREAD).count());
  }

  /** What only the per-client rules observe: spikes, networks, scope baselines, refusals. */
  private static final List<String> CLIENT_RULE_EVIDENCE =
      List.of("uses_in_bucket", "network", "baseline_scopes", "refusals", "parent");

  @Test
  void shouldRaiseTheSameAlertsInTheOverlapOfTwoRangesOnceTheLaterOneHasLearned() throws Exception {
    Path stateDir = Files.createDirectories(dataDir.resolve("state-ranges"));
    AnomalyDetectorConfig config = AnomalyDetectorConfig.of(settings(stateDir));
    Instant cut = from.plus(Duration.ofMinutes(2));
    // Networks and scopes are learned for 5 minutes; the usage baseline is 10 one-minute buckets.
    Instant learned = cut.plus(Duration.ofMinutes(13));

    String fullTopic = "backtest-full-" + UUID.randomUUID();
    AnomalyReplay.Result full =
        AnomalyReplay.run(config, from, to, fullTopic, null, Duration.ofMinutes(5));
    String laterTopic = "backtest-later-" + UUID.randomUUID();
    AnomalyReplay.Result later =
        AnomalyReplay.run(config, cut, to, laterTopic, null, Duration.ofMinutes(5));
    assertNothingLeftBehind(later.applicationId(), stateDir);
    assertThat(later.records()).isLessThan(full.records());

    List<String> fromFull = incidentsStartingFrom(alerts(fullTopic), learned);
    List<String> fromLater = incidentsStartingFrom(alerts(laterTopic), learned);
    assertThat(fromFull)
        .as("the per-client rules fire in the overlap")
        .anySatisfy(alert -> assertThat(alert).contains(" USAGE_SPIKE "))
        .anySatisfy(alert -> assertThat(alert).contains(" UNFAMILIAR_CLIENT "))
        .anySatisfy(alert -> assertThat(alert).contains(" SCOPE_ESCALATION "));
    assertThat(fromLater).containsExactlyInAnyOrderElementsOf(fromFull);
  }

  /**
   * The alerts whose incident starts at or after {@code learned}: id and rule, and for the
   * per-client rules the evidence too, without where learning began (a later range learns from its
   * own start). Not the evidence of the per-token and per-grant rules: what they observe of a
   * token's revocation or a grant's last token depends on whether the revocation or issuance
   * (another topic) reached their task before the use or the reuse (seen here: the same alert id,
   * with and without {@code revoked_at}), which the per-client rules' event-time order does not
   * cover.
   */
  private static List<String> incidentsStartingFrom(List<SecurityAlert> alerts, Instant learned) {
    return alerts.stream()
        .filter(alert -> !alert.getEvidence().getFirstSeen().isBefore(learned))
        .map(
            alert -> {
              Map<String, String> observed = new TreeMap<>(alert.getEvidence().getObserved());
              observed.remove("learning_since");
              if (!CLIENT_RULE_EVIDENCE.stream().anyMatch(observed::containsKey)) {
                return alert.getAlertId() + " " + alert.getRule().name();
              }
              return String.join(
                  " ",
                  alert.getAlertId(),
                  alert.getRule().name(),
                  alert.getEvidence().getEventIds().toString(),
                  Long.toString(alert.getEvidence().getCount()),
                  alert.getEvidence().getFirstSeen() + ".." + alert.getEvidence().getLastSeen(),
                  observed.toString());
            })
        .toList();
  }

  @Test
  void shouldCleanUpAReplayStoppedMidway() throws Exception {
    Path stateDir = Files.createDirectories(dataDir.resolve("state-stopped"));
    AnomalyReplay replay =
        AnomalyReplay.of(
            AnomalyDetectorConfig.of(settings(stateDir)),
            from,
            to,
            "backtest-stopped-" + UUID.randomUUID(),
            null);
    List<AnomalyReplay.Progress> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Boolean> stopped = new CompletableFuture<>();
    assertThatThrownBy(
            () ->
                replay.run(
                    Duration.ofMinutes(5),
                    Duration.ofMillis(1),
                    progress -> {
                      seen.add(progress);
                      if (seen.size() == 1) {
                        // As Ctrl-C's shutdown hook does, from another thread.
                        CompletableFuture.runAsync(
                            () -> {
                              try {
                                stopped.complete(replay.stop(Duration.ofMinutes(2)));
                              } catch (InterruptedException e) {
                                stopped.completeExceptionally(e);
                              }
                            });
                      }
                    }))
        .isInstanceOf(CancellationException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
    assertThat(stopped.get(2, TimeUnit.MINUTES)).isTrue();
    assertThat(seen).first().satisfies(p -> assertThat(p.eventsInWindow()).isEqualTo(produced));
    assertNothingLeftBehind(replay.applicationId(), stateDir);
  }

  @Test
  void shouldCleanUpAReplayThatTimesOut() throws Exception {
    Path stateDir = Files.createDirectories(dataDir.resolve("state-timeout"));
    AnomalyReplay replay =
        AnomalyReplay.of(
            AnomalyDetectorConfig.of(settings(stateDir)),
            from,
            to,
            "backtest-timeout-" + UUID.randomUUID(),
            null);
    assertThatThrownBy(() -> replay.run(Duration.ofMillis(1), Duration.ZERO, p -> {}))
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("did not finish within")
        .satisfies(e -> assertThat(e.getSuppressed()).as("left behind").isEmpty());
    assertNothingLeftBehind(replay.applicationId(), stateDir);
  }

  @Test
  void shouldRefuseAnApplicationIdInUseAndLeaveItsGroupAlone() throws Exception {
    String taken = "someone-elses-" + UUID.randomUUID();
    try (Admin admin = admin()) {
      admin
          .alterConsumerGroupOffsets(
              taken,
              Map.of(new TopicPartition(Topics.TOKEN_USED.name(), 0), new OffsetAndMetadata(0)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    Path stateDir = Files.createDirectories(dataDir.resolve("state-taken"));
    AnomalyReplay replay =
        AnomalyReplay.of(
            AnomalyDetectorConfig.of(settings(stateDir)),
            from,
            to,
            "backtest-taken-" + UUID.randomUUID(),
            taken);
    assertThatThrownBy(() -> replay.run(Duration.ofMinutes(5), Duration.ZERO, p -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("application id " + taken + " is in use");
    try (Admin admin = admin()) {
      assertThat(
              admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                  .map(GroupListing::groupId))
          .contains(taken);
    }
  }

  /** What identifies an alert across runs: its rule, severity and key (the subject). */
  /**
   * One incident: the rule and severity, and what the alert fired on (its token, else its grant,
   * else its subject and client). Not the subject of a token or grant alert: that is attribution,
   * learned from the token's or grant's issuance, which in a catch-up may arrive after the
   * revocation that raises a REFRESH_TOKEN_REUSE alert (another topic), leaving that alert without
   * its subject in one run and with it in the next (seen here: the same incident, the same grant).
   */
  private record Key(String rule, String severity, String firedOn) {}

  /**
   * The alerts to compare across runs: all of them. The per-client rules (UNFAMILIAR_CLIENT for a
   * new network, SCOPE_ESCALATION against the client's scope baseline, USAGE_SPIKE) apply their
   * events in event-time order once every source partition has passed them, so however a catch-up
   * interleaves the partitions, each run learns from the same first event and counts the same
   * buckets.
   */
  private static List<SecurityAlert> comparable(List<SecurityAlert> alerts) {
    return List.copyOf(alerts);
  }

  private static List<Key> keys(List<SecurityAlert> alerts) {
    return comparable(alerts).stream()
        .map(a -> new Key(a.getRule().name(), a.getSeverity().name(), firedOn(a)))
        .sorted(Comparator.comparing(Key::toString))
        .toList();
  }

  private static String firedOn(SecurityAlert alert) {
    if (alert.getTokenId() != null) {
      return "token:" + alert.getTokenId();
    }
    if (alert.getGrantId() != null) {
      return "grant:" + alert.getGrantId();
    }
    return "subject:" + alert.getSubject() + "/" + alert.getClientId();
  }

  /** The summary's counts computed from the alerts themselves: the plain model. */
  private static List<AnomalyReplay.AlertCount> counts(List<SecurityAlert> alerts) {
    Map<Rule, Map<Severity, Long>> counts = new TreeMap<>();
    for (SecurityAlert alert : alerts) {
      if (alert.getRevision() > 0) {
        continue; // an update of an incident counted already
      }
      counts
          .computeIfAbsent(Rule.valueOf(alert.getRule().name()), r -> new TreeMap<>())
          .merge(Severity.valueOf(alert.getSeverity().name()), 1L, Long::sum);
    }
    List<AnomalyReplay.AlertCount> list = new ArrayList<>();
    counts.forEach(
        (rule, bySeverity) ->
            bySeverity.entrySet().stream()
                .sorted(Map.Entry.<Severity, Long>comparingByKey().reversed())
                .forEach(
                    e -> list.add(new AnomalyReplay.AlertCount(rule, e.getKey(), e.getValue()))));
    return list;
  }

  private static String retentionMs(String topic) throws Exception {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try (Admin admin = admin()) {
      return admin
          .describeConfigs(List.of(resource))
          .all()
          .get(30, TimeUnit.SECONDS)
          .get(resource)
          .get(TopicConfig.RETENTION_MS_CONFIG)
          .value();
    }
  }

  private static void createTopic(String topic, Map<String, String> configs) throws Exception {
    try (Admin admin = admin()) {
      admin
          .createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(configs)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  static void assertNothingLeftBehind(String applicationId, Path stateDir) throws Exception {
    try (Admin admin = admin()) {
      assertThat(
              admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                  .map(GroupListing::groupId))
          .as("consumer groups after the replay")
          .doesNotContain(applicationId);
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .as("topics after the replay")
          .noneMatch(name -> name.startsWith(applicationId));
    }
    try (Stream<Path> left = Files.list(stateDir)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("state directory after the replay")
          .isEmpty();
    }
  }

  static Map<String, Object> settings(Path stateDir) {
    Map<String, Object> settings = new HashMap<>(Attacks.settings());
    settings.put(AnomalyDetectorConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    settings.putAll(platform.schemaRegistryClientSettings());
    settings.put(AnomalyDetectorConfig.STATE_DIR, stateDir.toString());
    settings.put(AnomalyDetectorConfig.HTTP_PORT, 0);
    return settings;
  }

  private static SchemaRegistryClient registry() {
    return new HttpSchemaRegistryClient(serdes().registrySettings());
  }

  private static SerdeConfig serdes() {
    return SerdeConfig.of(platform.schemaRegistryClientSettings());
  }

  private static Admin admin() {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()));
  }

  /** Every alert on {@code topic}, read to its end. */
  static List<SecurityAlert> alerts(String topic) throws Exception {
    List<SecurityAlert> alerts = new ArrayList<>();
    try (KafkaConsumer<String, SecurityAlert> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "it-read-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            AvroSerdes.specific(SecurityAlert.class, registry(), serdes(), false).deserializer())) {
      consumer.subscribe(List.of(topic));
      // The replay has finished: its alerts are committed. Read until the end once every
      // transaction is decided: right after a commit the last stable offset, which a
      // read_committed reader's end offsets are, may still stand before the run's records.
      Map<TopicPartition, Long> end = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, SecurityAlert> record : consumer.poll(Duration.ofMillis(200))) {
          alerts.add(record.value());
        }
        if (!consumer.assignment().isEmpty()) {
          if (end == null) {
            end = decidedEnd(consumer.assignment());
          }
          Map<TopicPartition, Long> target = end;
          if (consumer.assignment().stream()
              .allMatch(tp -> consumer.position(tp) >= target.getOrDefault(tp, 0L))) {
            break;
          }
        }
      }
    }
    return alerts;
  }

  /** The partitions' end once the last stable offset has reached the log end: all decided. */
  private static Map<TopicPartition, Long> decidedEnd(java.util.Set<TopicPartition> partitions)
      throws Exception {
    try (Admin admin = admin()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
        partitions.forEach(
            tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
        Map<TopicPartition, Long> stable = new HashMap<>();
        admin
            .listOffsets(
                latest,
                new org.apache.kafka.clients.admin.ListOffsetsOptions(
                    org.apache.kafka.common.IsolationLevel.READ_COMMITTED))
            .all()
            .get()
            .forEach((tp, info) -> stable.put(tp, info.offset()));
        Map<TopicPartition, Long> logEnd = new HashMap<>();
        admin
            .listOffsets(
                latest,
                new org.apache.kafka.clients.admin.ListOffsetsOptions(
                    org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED))
            .all()
            .get()
            .forEach((tp, info) -> logEnd.put(tp, info.offset()));
        if (partitions.stream().allMatch(tp -> stable.get(tp) >= logEnd.get(tp))
            || System.nanoTime() > deadline) {
          return stable;
        }
        Thread.sleep(50); // the broker decides the transactions' markers on its own time
      }
    }
  }

  private static void produce(List<Input> inputs) throws Exception {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Serializer<SpecificRecord> avro =
        (Serializer)
            AvroSerdes.specific(TokenIssued.class, registry(), serdes(), false).serializer();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                5),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (Input input : inputs) {
        producer.send(
            new ProducerRecord<>(
                input.topic(),
                null,
                input.at().toEpochMilli(),
                input.key().getBytes(UTF_8),
                avro.serialize(input.topic(), input.value())));
      }
      producer.flush();
    }
  }
}
