package io.tokenwatch.bench.anomaly;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.app.AnomalyReplay;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.anomaly.scenarios.Detection;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.anomaly.scenarios.Labelled;
import io.tokenwatch.anomaly.scenarios.LabelledAttack;
import io.tokenwatch.anomaly.scenarios.RealisticWeek;
import io.tokenwatch.anomaly.scenarios.Score;
import io.tokenwatch.bench.LoadAverage;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Precision and recall of the detection rules over {@link RealisticWeek}: a labelled week of
 * legitimate traffic with scripted attacks hidden in it, backtested exactly as a user backtests
 * ({@code tokenwatch detect --replay}).
 *
 * <p>Starts the embedded platform (broker and registry), creates the catalogue's topics, produces
 * the workload with record timestamps equal to the events' times and keys as the issuer and
 * validators key them, replays the whole range with {@link AnomalyReplay} at the detector's
 * production defaults (or {@code -Dset.<key>=<value>}), reads the alerts from the replay's output
 * topic, and prints the workload's description, then per rule the alerts, false alerts, false
 * alerts per million legitimate events and attacks caught, the false alerts by rule and client, the
 * load average and the time taken. Then it replays a cut of the range (its last three days, or from
 * its second day in a shorter workload) and prints how many alerts of the overlap, after the cut's
 * own day of learning, differ between the two runs (by alert id): a deterministic detector raises
 * the same ones.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.tokenwatch.bench.anomaly.DetectorPrecision
 * [seed] [days] [services] [humans]} (defaults 21, 7, 20, 209). A benchmark, not a test: it reports
 * and asserts nothing, and exits 0.
 */
public final class DetectorPrecision {

  private static final Duration REPLAY_TIMEOUT = Duration.ofHours(2);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);

  /** The detector's default learning periods (network and scope baselines): a day. */
  private static final Duration LEARNING = Duration.ofDays(1);

  private DetectorPrecision() {}

  public static void main(String[] args) {
    if (System.getProperty("log4j2.configurationFile") == null) {
      // Before anything logs: the broker's and clients' errors to stderr, the report alone on
      // stdout.
      System.setProperty("log4j2.configurationFile", "detector-precision-log4j2.xml");
    }
    try {
      long seed = args.length > 0 ? Long.parseLong(args[0]) : 21;
      RealisticWeek.Scale scale =
          new RealisticWeek.Scale(
              args.length > 1 ? Integer.parseInt(args[1]) : RealisticWeek.Scale.WEEK.days(),
              args.length > 2 ? Integer.parseInt(args[2]) : RealisticWeek.Scale.WEEK.services(),
              args.length > 3 ? Integer.parseInt(args[3]) : RealisticWeek.Scale.WEEK.humans());
      run(seed, scale);
    } catch (Exception e) {
      // A benchmark reports; the run's failure is its report.
      System.out.println("DetectorPrecision did not finish: " + e);
      e.printStackTrace(System.out);
    }
  }

  private static void run(long seed, RealisticWeek.Scale scale) throws Exception {
    long began = System.nanoTime();
    String loadBefore = LoadAverage.now();
    // A Monday, far enough back that the whole workload is in the past.
    Instant start =
        LocalDate.now(ZoneOffset.UTC)
            .minusDays(scale.days() + 1L)
            .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
            .atStartOfDay()
            .toInstant(ZoneOffset.UTC);
    Labelled workload = RealisticWeek.generate(seed, scale, start);
    printDescription(seed, scale, workload);
    Path dir = Files.createTempDirectory("detector-precision");
    try (EmbeddedPlatform platform =
        EmbeddedPlatform.builder(dir.resolve("platform")).build().start()) {
      SerdeConfig serdes = SerdeConfig.of(platform.schemaRegistryClientSettings());
      SchemaRegistryClient registry = new HttpSchemaRegistryClient(serdes.registrySettings());
      TopicEnsurer.ensureCatalogue(
          Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()),
          registry);
      long producing = System.nanoTime();
      produce(platform, registry, serdes, workload.events());
      System.out.printf(
          Locale.ROOT,
          "produced %,d events in %.1f s%n",
          workload.events().size(),
          (System.nanoTime() - producing) / 1e9);

      Map<String, Object> settings = new HashMap<>();
      settings.put(AnomalyDetectorConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
      settings.putAll(platform.schemaRegistryClientSettings());
      settings.put(AnomalyDetectorConfig.STATE_DIR, dir.resolve("state").toString());
      settings.put(AnomalyDetectorConfig.HTTP_PORT, 0);
      settings.putAll(LiveTraffic.settingsFromSystemProperties());
      AnomalyDetectorConfig config = AnomalyDetectorConfig.of(settings);

      Instant end = workload.description().end();
      Replayed full = replay(config, platform, registry, serdes, start, end, "full");
      Score score = workload.score(full.detections());
      printScore(score, full);

      Instant cutFrom =
          scale.days() >= 5 ? end.minus(Duration.ofDays(3)) : start.plus(Duration.ofDays(1));
      Replayed cut = replay(config, platform, registry, serdes, cutFrom, end, "cut");
      printCutComparison(full, cut, cutFrom.plus(LEARNING), end);
    } finally {
      deleteQuietly(dir);
    }
    System.out.printf(
        Locale.ROOT,
        "load average: %s at the start, %s at the end; elapsed %.1f s%n",
        loadBefore,
        LoadAverage.now(),
        (System.nanoTime() - began) / 1e9);
  }

  /** One replay's alerts. */
  private record Replayed(AnomalyReplay.Result result, List<SecurityAlert> alerts) {
    List<Detection> detections() {
      return alerts.stream().map(Detection::of).toList();
    }
  }

  private static Replayed replay(
      AnomalyDetectorConfig config,
      EmbeddedPlatform platform,
      SchemaRegistryClient registry,
      SerdeConfig serdes,
      Instant from,
      Instant to,
      String name)
      throws Exception {
    String topic = "precision-bench." + name + "-" + UUID.randomUUID();
    System.out.printf(Locale.ROOT, "replaying %s .. %s (%s)%n", from, to, name);
    // As `tokenwatch detect --replay --from F --to T` does: the replay's end is its last ms.
    AnomalyReplay.Result result =
        AnomalyReplay.of(config, from, to.minusMillis(1), topic, null)
            .run(
                REPLAY_TIMEOUT,
                PROGRESS_EVERY,
                p ->
                    System.out.printf(
                        Locale.ROOT,
                        "  %,d of %,d events read, %d alerts so far, %d s%n",
                        p.eventsRead(),
                        p.eventsInWindow(),
                        p.alerts(),
                        p.elapsed().toSeconds()));
    List<SecurityAlert> alerts = readAll(platform, registry, serdes, topic);
    System.out.printf(
        Locale.ROOT,
        "  %s: %,d events read, %d alerts, in %.1f s%s%n",
        name,
        result.records(),
        alerts.size(),
        result.took().toMillis() / 1000.0,
        result.cleanupProblems().isEmpty() ? "" : "; left behind: " + result.cleanupProblems());
    return new Replayed(result, alerts);
  }

  private static void printDescription(long seed, RealisticWeek.Scale scale, Labelled workload) {
    Labelled.Description d = workload.description();
    System.out.printf(
        Locale.ROOT,
        "DetectorPrecision seed=%d days=%d services=%d humans=%d%n"
            + "workload %s .. %s: %,d events (%,d legitimate, %,d in %d attacks), %d clients,"
            + " %d subjects%n",
        seed,
        scale.days(),
        scale.services(),
        scale.humans(),
        d.start(),
        d.end(),
        d.events(),
        d.legitimateEvents(),
        d.events() - d.legitimateEvents(),
        workload.attacks().size(),
        d.clients(),
        d.subjects());
    System.out.println("legitimate patterns:");
    d.patterns()
        .forEach((name, count) -> System.out.printf(Locale.ROOT, "  %,9d  %s%n", count, name));
    System.out.println("attacks:");
    for (LabelledAttack attack : workload.attacks()) {
      System.out.printf(
          Locale.ROOT,
          "  %-32s %s  expects %s: %s%n",
          attack.id(),
          attack.from(),
          attack.expected().stream().map(Rule::name).sorted().toList(),
          attack.story());
    }
  }

  private static void printScore(Score score, Replayed full) {
    System.out.printf(
        Locale.ROOT,
        "%nper rule, full range (false alerts per million of %,d legitimate events; ids: distinct"
            + " alert ids among the alerts):%n"
            + "  %-24s %8s %8s %8s %12s %10s%n",
        score.legitimateEvents(),
        "rule",
        "alerts",
        "ids",
        "false",
        "false/M",
        "caught");
    Map<String, Set<String>> ids = new HashMap<>();
    for (SecurityAlert alert : full.alerts()) {
      ids.computeIfAbsent(alert.getRule().name(), r -> new HashSet<>()).add(alert.getAlertId());
    }
    long falseTotal = 0;
    long expected = 0;
    long caught = 0;
    for (Rule rule : Rule.values()) {
      Score.RuleScore r = score.of(rule);
      if (rule.watchesValidators()) {
        continue;
      }
      falseTotal += r.falseAlerts();
      expected += r.expected();
      caught += r.caught();
      System.out.printf(
          Locale.ROOT,
          "  %-24s %8d %8d %8d %12.1f %6d/%-3d%n",
          rule,
          r.alerts(),
          ids.getOrDefault(rule.name(), Set.of()).size(),
          r.falseAlerts(),
          score.falsePerMillion(r.falseAlerts()),
          r.caught(),
          r.expected());
    }
    System.out.printf(
        Locale.ROOT,
        "  %-24s %8d %8d %8d %12.1f %6d/%-3d  (attacks caught in full: %d of %d; precision"
            + " %.1f%%)%n",
        "total",
        score.alerts(),
        ids.values().stream().mapToInt(Set::size).sum(),
        falseTotal,
        score.falsePerMillion(falseTotal),
        caught,
        expected,
        score.caught(),
        score.attacks(),
        score.alerts() == 0 ? 100.0 : 100.0 * (score.alerts() - falseTotal) / score.alerts());
    for (LabelledAttack missed : score.missed()) {
      System.out.printf(Locale.ROOT, "  MISSED %s: %s%n", missed.id(), missed.story());
    }
    // Which legitimate traffic the false alerts come from: by rule and client.
    Set<String> falseIds =
        score.falseAlerts().stream().map(Detection::alertId).collect(Collectors.toSet());
    Map<String, Long> byRuleAndClient = new TreeMap<>();
    Map<String, Long> networks = new TreeMap<>();
    for (SecurityAlert alert : full.alerts()) {
      if (!falseIds.contains(alert.getAlertId())) {
        continue;
      }
      byRuleAndClient.merge(alert.getRule() + " " + alert.getClientId(), 1L, Long::sum);
      String network = alert.getEvidence().getObserved().get("network");
      if (network != null) {
        networks.merge(alert.getClientId() + " -> " + network, 1L, Long::sum);
      }
    }
    System.out.println("false alerts by rule and client:");
    byRuleAndClient.forEach(
        (key, count) -> System.out.printf(Locale.ROOT, "  %6d  %s%n", count, key));
    if (!networks.isEmpty()) {
      System.out.println(
          "false UNFAMILIAR_CLIENT alerts for a new network, by client and network:");
      long single = 0;
      for (Map.Entry<String, Long> entry : networks.entrySet()) {
        if (entry.getValue() > 1) {
          System.out.printf(Locale.ROOT, "  %6d  %s%n", entry.getValue(), entry.getKey());
        } else {
          single++;
        }
      }
      System.out.printf(Locale.ROOT, "  %6d  networks with one false alert each%n", single);
    }
    List<String> spikes =
        full.alerts().stream()
            .filter(
                a -> falseIds.contains(a.getAlertId()) && a.getRule().name().equals("USAGE_SPIKE"))
            .map(a -> a.getClientId() + "@" + a.getEvidence().getFirstSeen())
            .sorted()
            .toList();
    if (!spikes.isEmpty()) {
      System.out.println(
          "false USAGE_SPIKE alerts (client@bucket start): " + String.join(", ", spikes));
    }
  }

  /**
   * How many alerts raised in {@code [from, to)} (by the alert's event time) one replay has and the
   * other has not, by alert id.
   */
  private static void printCutComparison(Replayed full, Replayed cut, Instant from, Instant to) {
    Map<String, SecurityAlert> a = raisedIn(full.alerts(), from, to);
    Map<String, SecurityAlert> b = raisedIn(cut.alerts(), from, to);
    TreeSet<String> onlyFull = new TreeSet<>(a.keySet());
    onlyFull.removeAll(b.keySet());
    TreeSet<String> onlyCut = new TreeSet<>(b.keySet());
    onlyCut.removeAll(a.keySet());
    System.out.printf(
        Locale.ROOT,
        "%ncut replay vs full replay, alerts raised %s .. %s (after the cut's day of learning):"
            + " full %d, cut %d, same id %d, only in full %d, only in cut %d%n",
        from,
        to,
        a.size(),
        b.size(),
        a.size() - onlyFull.size(),
        onlyFull.size(),
        onlyCut.size());
    Map<String, Long> differing = new TreeMap<>();
    a.forEach(
        (id, alert) -> {
          if (onlyFull.contains(id)) {
            differing.merge("only in full " + alert.getRule(), 1L, Long::sum);
          }
        });
    b.forEach(
        (id, alert) -> {
          if (onlyCut.contains(id)) {
            differing.merge("only in cut  " + alert.getRule(), 1L, Long::sum);
          }
        });
    differing.forEach((key, count) -> System.out.printf(Locale.ROOT, "  %6d  %s%n", count, key));
  }

  private static Map<String, SecurityAlert> raisedIn(
      List<SecurityAlert> alerts, Instant from, Instant to) {
    Map<String, SecurityAlert> byId = new HashMap<>();
    for (SecurityAlert alert : alerts) {
      Instant at = alert.getOccurredAt();
      if (!at.isBefore(from) && at.isBefore(to)) {
        byId.put(alert.getAlertId(), alert);
      }
    }
    return byId;
  }

  private static void produce(
      EmbeddedPlatform platform,
      SchemaRegistryClient registry,
      SerdeConfig serdes,
      List<Input> inputs) {
    // The serializer writes each record with its own schema, whatever its class.
    @SuppressWarnings({"unchecked", "rawtypes"})
    Serializer<SpecificRecord> avro =
        (Serializer) AvroSerdes.specific(TokenIssued.class, registry, serdes, false).serializer();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      AtomicReference<@Nullable Exception> failed = new AtomicReference<>();
      for (Input input : inputs) {
        // The callback keeps the first failure; flush() waits for every send.
        Future<RecordMetadata> unused =
            producer.send(
                new ProducerRecord<>(
                    input.topic(),
                    null,
                    input.at().toEpochMilli(),
                    input.key().getBytes(UTF_8),
                    avro.serialize(input.topic(), input.value())),
                (metadata, e) -> {
                  if (e != null) {
                    failed.compareAndSet(null, e);
                  }
                });
      }
      producer.flush();
      Exception failure = failed.get();
      if (failure != null) {
        throw new IllegalStateException("producing the workload failed", failure);
      }
    }
  }

  /** Every committed alert of {@code topic}; the replay is over, so its end offsets are final. */
  private static List<SecurityAlert> readAll(
      EmbeddedPlatform platform, SchemaRegistryClient registry, SerdeConfig serdes, String topic) {
    List<SecurityAlert> alerts = new ArrayList<>();
    try (KafkaConsumer<String, SecurityAlert> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "precision-read-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            AvroSerdes.specific(SecurityAlert.class, registry, serdes, false).deserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.getOrDefault(tp, 0L))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, SecurityAlert> record : consumer.poll(Duration.ofMillis(500))) {
          alerts.add(record.value());
        }
      }
    }
    return alerts;
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.out.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
