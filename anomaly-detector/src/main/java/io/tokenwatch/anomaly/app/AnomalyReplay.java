package io.tokenwatch.anomaly.app;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.Severity;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.anomaly.kafka.AnomalyMetrics;
import io.tokenwatch.anomaly.kafka.AnomalyTopology;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.streams.StreamsService;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backtesting: runs the detector's topology over the history between two instants, under an
 * application id of its own, writing alerts to its own topic, so a new rule or threshold can be
 * tried on past traffic and its alerts compared with the live ones.
 *
 * <p>Every run is independent of any earlier one: its application id (consumer group, internal
 * topic prefix, state directory) is new for each run, unless the caller names one, which must then
 * be unused. Before starting, the run's consumer group gets committed offsets on every input
 * partition from {@code offsetsForTimes(from)}, and the stop offsets are captured: the first offset
 * after {@code to}, or the end offset when there is none. Events whose {@code occurred_at} is after
 * {@code to} are ignored. Once every input partition is committed up to its stop offset and the
 * internal topics are drained, the run ends its inputs (a record on each partition of {@link
 * AnomalyTopology#replayEndTopic}, which it creates), so the per-client rules apply what they still
 * hold; it stops once that is drained too. It never revokes anything (auto-response is off).
 *
 * <p>However a run ends (done, failed, timed out or {@linkplain #stop stopped}), it closes its
 * Kafka Streams client leaving the group, then deletes what it created: its consumer group, the
 * topics prefixed by its application id (changelogs, repartitions) and its local state directory.
 * The output topic stays: created with {@code retention.ms=-1} when it did not exist (the alerts
 * carry the old events' times, which a time-based retention would delete at once), used as it is
 * when it did.
 *
 * <p>{@link #run} once per instance; {@link #stop} from any thread.
 */
public final class AnomalyReplay {

  private static final Logger log = LoggerFactory.getLogger(AnomalyReplay.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final int QUIET_POLLS = 4;
  private static final long ADMIN_TIMEOUT_S = 60;
  private static final Duration TOPIC_SETTLE_PAUSE = Duration.ofMillis(100);

  /** The inputs of the detector, whose offsets the replay positions. */
  static final List<String> INPUTS =
      List.of(
          Topics.TOKEN_ISSUED.name(),
          Topics.TOKEN_USED.name(),
          Topics.ISSUANCE_DENIED.name(),
          Topics.REVOCATION_REQUESTS.name(),
          Topics.REVOCATIONS.name());

  /** The output topic's settings when the replay creates it: alerts kept until it is deleted. */
  public static final Map<String, String> CREATED_OUTPUT_TOPIC_CONFIG =
      Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");

  /**
   * How many incidents (first alerts, not their updates) of one rule and severity a replay raised.
   */
  public record AlertCount(Rule rule, Severity severity, long count) {
    public AlertCount {
      requireNonNull(rule, "rule");
      requireNonNull(severity, "severity");
      if (count < 1) {
        throw new IllegalArgumentException("count must be positive: " + count);
      }
    }
  }

  /**
   * How far a replay is.
   *
   * @param eventsRead input events processed and committed so far
   * @param eventsInWindow input events between the start and stop offsets
   * @param alerts alerts raised so far (a task retried under exactly-once may count one twice; the
   *     result's count is exact)
   * @param elapsed time since the replay started
   */
  public record Progress(long eventsRead, long eventsInWindow, long alerts, Duration elapsed) {
    public Progress {
      requireNonNull(elapsed, "elapsed");
    }
  }

  /**
   * What a replay did.
   *
   * @param records input events between the start and stop offsets, all of which were read
   * @param outputTopicCreated whether the run created its output topic (with {@link
   *     #CREATED_OUTPUT_TOPIC_CONFIG}) rather than using an existing one
   * @param alerts the alerts the run wrote to its output topic, by rule and severity, in rule and
   *     then severity order
   * @param internalTopicsDeleted how many internal topics (changelogs, repartitions) were deleted
   * @param stateDirectory the run's local state directory, deleted
   * @param cleanupProblems what could not be deleted, and why; empty when everything was
   */
  public record Result(
      String applicationId,
      String outputTopic,
      boolean outputTopicCreated,
      Instant from,
      Instant to,
      long records,
      List<AlertCount> alerts,
      int internalTopicsDeleted,
      Path stateDirectory,
      List<String> cleanupProblems,
      Duration took) {
    public Result {
      requireNonNull(applicationId, "applicationId");
      requireNonNull(outputTopic, "outputTopic");
      requireNonNull(from, "from");
      requireNonNull(to, "to");
      alerts = List.copyOf(alerts);
      requireNonNull(stateDirectory, "stateDirectory");
      cleanupProblems = List.copyOf(cleanupProblems);
      requireNonNull(took, "took");
    }

    /** How many alerts the run raised. */
    public long alertCount() {
      return alerts.stream().mapToLong(AlertCount::count).sum();
    }
  }

  private final AnomalyDetectorConfig config;
  private final Instant from;
  private final Instant to;
  private final String appId;
  private final boolean appIdGiven;
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean stopRequested;
  private volatile boolean started;

  private AnomalyReplay(
      AnomalyDetectorConfig config, Instant from, Instant to, String appId, boolean appIdGiven) {
    this.config = config;
    this.from = from;
    this.to = to;
    this.appId = appId;
    this.appIdGiven = appIdGiven;
  }

  /**
   * A replay of {@code [from, to]}, not started.
   *
   * @param base the live configuration (thresholds may be changed to try them)
   * @param outputTopic where the alerts go: any topic but the catalogue's
   * @param applicationId the replay's own application id, which must be unused, or null for a new
   *     one derived from the live one, the range and a random run id
   * @throws IllegalArgumentException if {@code to} is before {@code from} or the output topic is
   *     one of the catalogue's (the live alert topic, an input)
   */
  public static AnomalyReplay of(
      AnomalyDetectorConfig base,
      Instant from,
      Instant to,
      String outputTopic,
      @Nullable String applicationId) {
    requireNonNull(base, "base");
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    requireNonNull(outputTopic, "outputTopic");
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("--to " + to + " is before --from " + from);
    }
    if (outputTopic.equals(Topics.SECURITY_ALERTS.name())) {
      throw new IllegalArgumentException(
          "a replay must not write to the live alert topic " + outputTopic);
    }
    if (Topics.byName(outputTopic).isPresent()) {
      throw new IllegalArgumentException(
          "a replay must not write its alerts to " + outputTopic + ", a Tokenwatch topic");
    }
    String appId =
        applicationId != null
            ? applicationId
            : applicationId(base.applicationId(), from, to, newRunId());
    Map<String, Object> settings = new LinkedHashMap<>(base.originals());
    settings.put(AnomalyDetectorConfig.APPLICATION_ID, appId);
    settings.put(AnomalyDetectorConfig.OUTPUT_TOPIC, outputTopic);
    return new AnomalyReplay(
        AnomalyDetectorConfig.of(settings), from, to, appId, applicationId != null);
  }

  /**
   * Replays {@code [from, to]} and cleans up: {@code of(...).run(timeout, Duration.ZERO, p -> {})}.
   */
  public static Result run(
      AnomalyDetectorConfig base,
      Instant from,
      Instant to,
      String outputTopic,
      @Nullable String applicationId,
      Duration timeout)
      throws TimeoutException, InterruptedException {
    return of(base, from, to, outputTopic, applicationId).run(timeout, Duration.ZERO, p -> {});
  }

  /**
   * The application id of a replay run of {@code [from, to]} derived from the live one: {@code
   * <live>-replay-<from ms>-<to ms>-<run>}.
   */
  public static String applicationId(
      String liveApplicationId, Instant from, Instant to, String run) {
    return liveApplicationId
        + "-replay-"
        + from.toEpochMilli()
        + "-"
        + to.toEpochMilli()
        + "-"
        + run;
  }

  private static String newRunId() {
    byte[] bytes = new byte[4];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** This run's application id: its consumer group and the prefix of its internal topics. */
  public String applicationId() {
    return appId;
  }

  /** The output topic. */
  public String outputTopic() {
    return config.outputTopic();
  }

  /** Where the run keeps its local state: {@code <state.dir>/<application id>}. */
  public Path stateDirectory() {
    Properties props = config.streamsProperties();
    String base =
        props.containsKey(StreamsConfig.STATE_DIR_CONFIG)
            ? String.valueOf(props.get(StreamsConfig.STATE_DIR_CONFIG))
            : new StreamsConfig(props).getString(StreamsConfig.STATE_DIR_CONFIG);
    return Path.of(base).resolve(appId);
  }

  /**
   * Asks a running replay to stop, and waits up to {@code wait} for it to have cleaned up (a
   * shutdown hook's job on Ctrl-C or SIGTERM). {@link #run} then throws {@link
   * CancellationException}. A replay not yet running stops before it starts.
   *
   * @return whether the run was over (or never started) within {@code wait}
   */
  public boolean stop(Duration wait) throws InterruptedException {
    requireNonNull(wait, "wait");
    stopRequested = true;
    if (!started) {
      return true;
    }
    return finished.await(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Runs the replay, then cleans up (also when it fails).
   *
   * @param timeout how long the replay may take
   * @param progressEvery how often {@code progress} hears how far it is; {@link Duration#ZERO} for
   *     never
   * @param progress called on the calling thread
   * @throws TimeoutException if the replay did not finish in time (it is stopped and cleaned up)
   * @throws CancellationException if {@link #stop} stopped it (it is cleaned up)
   * @throws IllegalArgumentException if the given application id is in use
   * @throws IllegalStateException if the replay's Kafka Streams client failed
   * @throws KafkaException if Kafka did not answer in time or refused a request
   */
  public Result run(Duration timeout, Duration progressEvery, Consumer<Progress> progress)
      throws TimeoutException, InterruptedException {
    requireNonNull(timeout, "timeout");
    requireNonNull(progressEvery, "progressEvery");
    requireNonNull(progress, "progress");
    if (started) {
      throw new IllegalStateException("a replay runs once");
    }
    started = true;
    try {
      return replay(timeout, progressEvery, progress);
    } finally {
      finished.countDown();
    }
  }

  private Result replay(Duration timeout, Duration progressEvery, Consumer<Progress> progress)
      throws TimeoutException, InterruptedException {
    long startedAt = System.nanoTime();
    String outputTopic = config.outputTopic();
    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
    TopicEnsurer.ensureCatalogue(config.streamsProperties(), registry);
    try (Admin admin = Admin.create(TopicEnsurer.adminSettings(config.streamsProperties()))) {
      refuseIfInUse(admin);
      boolean created = ensureOutputTopic(admin, outputTopic);
      List<TopicPartition> inputs = partitions(admin, INPUTS);
      AnomalyTopology.SourcePartitions sources =
          InputPartitions.describe(admin, Duration.ofSeconds(ADMIN_TIMEOUT_S));
      Map<TopicPartition, Long> end = offsets(admin, inputs, OffsetSpec.latest());
      Map<TopicPartition, Long> start =
          offsets(admin, inputs, OffsetSpec.forTimestamp(from.toEpochMilli()), end);
      Map<TopicPartition, Long> stop =
          offsets(admin, inputs, OffsetSpec.forTimestamp(to.toEpochMilli() + 1), end);
      long records = 0;
      for (TopicPartition tp : inputs) {
        records += Math.max(0, stop.getOrDefault(tp, 0L) - start.getOrDefault(tp, 0L));
      }
      List<TopicPartition> outputs = outputPartitions(admin, outputTopic);
      Map<TopicPartition, Long> outputBefore = committedEnd(admin, outputs);
      AlertCounter counter = new AlertCounter();
      Cleanup cleanup = new Cleanup(admin);
      try {
        if (stopRequested) {
          throw new CancellationException("replay " + appId + " stopped before it started");
        }
        admin
            .alterConsumerGroupOffsets(
                appId,
                start.entrySet().stream()
                    .collect(
                        Collectors.toMap(
                            Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue()))))
            .all()
            .get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
        List<TopicPartition> ends = createEndTopic(admin, sources.tasks());
        log.info(
            "Replaying {} .. {} ({} input records) as {} into {}",
            from,
            to,
            records,
            appId,
            outputTopic);
        StreamsService streams =
            StreamsService.create(
                AnomalyReplay.class,
                "the replay " + appId,
                AnomalyTopology.build(
                    config, registry, counter, AnomalyTopology.Mode.replayUntil(to), sources),
                config.streamsProperties(),
                new SimpleMeterRegistry());
        cleanup.streams = streams;
        streams.start();
        awaitDone(
            admin,
            streams,
            start,
            stop,
            records,
            counter,
            startedAt,
            timeout,
            progressEvery,
            progress);
        // Every input is read: end them, so the per-client rules apply what they still hold.
        endInputs(ends);
        Map<TopicPartition, Long> endStart = new HashMap<>();
        Map<TopicPartition, Long> endStop = new HashMap<>();
        ends.forEach(
            tp -> {
              endStart.put(tp, 0L);
              endStop.put(tp, 1L);
            });
        awaitDone(
            admin,
            streams,
            endStart,
            endStop,
            0,
            counter,
            startedAt,
            timeout,
            Duration.ZERO,
            p -> {});
        cleanup.closeStreams();
        // Closed (group left): the output's transactions are all decided.
        List<AlertCount> alerts = alertsWritten(registry, outputs, outputBefore, admin);
        List<String> problems = cleanup.run();
        return new Result(
            appId,
            outputTopic,
            created,
            from,
            to,
            records,
            alerts,
            cleanup.topicsDeleted,
            stateDirectory(),
            problems,
            Duration.ofNanos(System.nanoTime() - startedAt));
      } catch (Throwable failure) {
        if (!cleanup.done) {
          for (String problem : cleanup.run()) {
            failure.addSuppressed(new LeftBehind(problem));
          }
        }
        throw failure;
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new KafkaException("replay " + appId + " failed: " + message(cause), cause);
    } catch (TimeoutException e) {
      if (e.getMessage() != null) {
        throw e;
      }
      // An admin request without an answer: Kafka is unreachable or overloaded.
      throw new KafkaException(
          "replay " + appId + " failed: Kafka did not answer within " + ADMIN_TIMEOUT_S + " s", e);
    }
  }

  /**
   * Attached (suppressed) to the exception of a failed or stopped run for each thing its cleanup
   * could not remove; none when everything was.
   */
  public static final class LeftBehind extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LeftBehind(String what) {
      super(what, null, false, false);
    }
  }

  /** Counts alerts as the topology raises them, for progress. */
  private static final class AlertCounter implements AnomalyMetrics {
    final AtomicLong alerts = new AtomicLong();

    @Override
    public void deadLetter(String sourceTopic, String errorClass) {}

    @Override
    public void evaluated(String input, long eventTimeMs) {}

    @Override
    public void alertRaised(Rule rule, Severity severity, boolean autoResponse) {
      alerts.incrementAndGet();
    }

    @Override
    public void suppressed(Rule rule) {}
  }

  /** What a run removes once it is over, whichever way it ends; only what the run created. */
  private final class Cleanup {
    final Admin admin;
    @Nullable StreamsService streams;
    final List<String> problems = new ArrayList<>();
    boolean closed;
    boolean done;
    int topicsDeleted;

    Cleanup(Admin admin) {
      this.admin = admin;
    }

    List<String> run() {
      done = true;
      boolean interrupted = Thread.interrupted();
      try {
        closeStreams();
        // The whole directory rather than KafkaStreams.cleanUp(), which keeps the directory with
        // its process file and warns that it could not delete it.
        deleteDirectory(stateDirectory(), problems);
        deleteGroup(problems);
        deleteInternalTopics(problems);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      for (String problem : problems) {
        log.warn("Replay {} left something behind: {}", appId, problem);
      }
      return problems;
    }

    /** Closes the client, leaving the group. Idempotent. */
    void closeStreams() {
      StreamsService running = streams;
      if (running == null || closed) {
        return;
      }
      closed = true;
      running.close();
    }

    private void deleteGroup(List<String> problems) {
      try {
        try {
          admin.deleteConsumerGroups(List.of(appId)).all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof GroupIdNotFoundException) {
            return;
          }
          if (!(e.getCause() instanceof GroupNotEmptyException)) {
            throw e;
          }
          // A member that did not leave (its close timed out): remove it, then the group.
          admin
              .removeMembersFromConsumerGroup(appId, new RemoveMembersFromConsumerGroupOptions())
              .all()
              .get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
          admin.deleteConsumerGroups(List.of(appId)).all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
        }
      } catch (ExecutionException e) {
        problems.add("consumer group " + appId + ": " + message(e.getCause()));
      } catch (TimeoutException e) {
        problems.add("consumer group " + appId + ": no answer within " + ADMIN_TIMEOUT_S + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        problems.add("consumer group " + appId + ": interrupted");
      }
    }

    /**
     * Deletes the topics prefixed by the run's id until two listings in a row show none: a topic
     * that Streams was still creating when the client stopped, or a deletion that the listing does
     * not show yet, is caught on a later round.
     */
    private void deleteInternalTopics(List<String> problems) {
      Set<String> deleted = new TreeSet<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADMIN_TIMEOUT_S);
      try {
        int quiet = 0;
        while (quiet < 2) {
          // The prefix is this run's own: a new id per run, or a given one checked unused.
          Set<String> left =
              admin.listTopics().names().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS).stream()
                  .filter(name -> name.startsWith(appId + "-"))
                  .collect(Collectors.toCollection(TreeSet::new));
          if (left.isEmpty()) {
            quiet++;
          } else {
            quiet = 0;
            if (System.nanoTime() - deadline > 0) {
              problems.add("internal topics " + String.join(", ", left) + ": still listed");
              break;
            }
            try {
              admin.deleteTopics(left).all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
              if (!(e.getCause() instanceof RetriableException)) {
                throw e;
              }
            }
            deleted.addAll(left);
          }
          Thread.sleep(TOPIC_SETTLE_PAUSE.toMillis() * 2);
        }
      } catch (ExecutionException e) {
        problems.add("internal topics " + appId + "-*: " + message(e.getCause()));
      } catch (TimeoutException e) {
        problems.add("internal topics " + appId + "-*: no answer within " + ADMIN_TIMEOUT_S + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        problems.add("internal topics " + appId + "-*: interrupted");
      }
      topicsDeleted = deleted.size();
    }
  }

  private static String message(@Nullable Throwable e) {
    return e == null ? "unknown error" : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static void deleteDirectory(Path dir, List<String> problems) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, @Nullable IOException e)
                throws IOException {
              if (e != null) {
                throw e;
              }
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException | UncheckedIOException e) {
      problems.add("state directory " + dir + ": " + e.getMessage());
    }
  }

  /** A given application id must not be anyone's already: the cleanup deletes by its prefix. */
  private void refuseIfInUse(Admin admin)
      throws ExecutionException, InterruptedException, TimeoutException {
    if (!appIdGiven) {
      return;
    }
    boolean group =
        admin.listGroups().all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS).stream()
            .map(GroupListing::groupId)
            .anyMatch(appId::equals);
    List<String> topics =
        admin.listTopics().names().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS).stream()
            .filter(name -> name.startsWith(appId + "-"))
            .sorted()
            .toList();
    List<String> found = new ArrayList<>();
    if (group) {
      found.add("its consumer group exists");
    }
    if (!topics.isEmpty()) {
      found.add("topics " + String.join(", ", topics));
    }
    if (Files.exists(stateDirectory())) {
      found.add("state directory " + stateDirectory());
    }
    if (!found.isEmpty()) {
      throw new IllegalArgumentException(
          "application id "
              + appId
              + " is in use ("
              + String.join("; ", found)
              + "): a replay deletes what its id names, so give an unused one, or none for a new"
              + " one");
    }
  }

  /**
   * Creates {@link AnomalyTopology#replayEndTopic}, one partition per task of the per-token rules
   * (so each task reads its own end); it goes with the run's other topics.
   */
  private List<TopicPartition> createEndTopic(Admin admin, int partitions)
      throws ExecutionException, InterruptedException, TimeoutException {
    String topic = AnomalyTopology.replayEndTopic(appId);
    admin
        .createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
        .all()
        .get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
    List<TopicPartition> ends = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      ends.add(new TopicPartition(topic, p));
    }
    return ends;
  }

  /** Writes one end record to each partition of the end topic, timed at the range's end. */
  private void endInputs(List<TopicPartition> ends)
      throws InterruptedException, ExecutionException {
    Map<String, Object> settings = new HashMap<>();
    config.streamsProperties().forEach((key, value) -> settings.put(String.valueOf(key), value));
    settings.keySet().removeIf(key -> !ProducerConfig.configNames().contains(key));
    settings.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer())) {
      for (TopicPartition tp : ends) {
        producer
            // Never later than now: a broker refuses a timestamp too far ahead of its clock, and
            // a window may end in the future.
            .send(
                new ProducerRecord<>(
                    tp.topic(),
                    tp.partition(),
                    Math.min(to.toEpochMilli(), System.currentTimeMillis()),
                    "end",
                    "end"))
            .get();
      }
    }
  }

  /** Creates the output topic unless it exists; whether it did. */
  private static boolean ensureOutputTopic(Admin admin, String topic)
      throws ExecutionException, InterruptedException, TimeoutException {
    if (admin.listTopics().names().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS).contains(topic)) {
      return false;
    }
    try {
      admin
          .createTopics(
              List.of(
                  new NewTopic(
                          topic,
                          Optional.of(Topics.SECURITY_ALERTS.spec().partitions()),
                          Optional.empty())
                      .configs(CREATED_OUTPUT_TOPIC_CONFIG)))
          .all()
          .get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return false;
      }
      throw e;
    }
  }

  /**
   * The output topic's partitions, once each has a leader that answers offset requests: a topic
   * just created may be unknown to the broker for a moment.
   */
  private static List<TopicPartition> outputPartitions(Admin admin, String topic)
      throws ExecutionException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADMIN_TIMEOUT_S);
    while (true) {
      try {
        List<TopicPartition> partitions = partitions(admin, List.of(topic));
        committedEnd(admin, partitions);
        return partitions;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() - deadline > 0) {
          throw e;
        }
        Thread.sleep(TOPIC_SETTLE_PAUSE.toMillis());
      }
    }
  }

  private void awaitDone(
      Admin admin,
      StreamsService streams,
      Map<TopicPartition, Long> start,
      Map<TopicPartition, Long> stop,
      long records,
      AlertCounter counter,
      long startedAt,
      Duration timeout,
      Duration progressEvery,
      Consumer<Progress> progress)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = startedAt + timeout.toNanos();
    long nextProgress =
        progressEvery.isZero() ? Long.MAX_VALUE : startedAt + progressEvery.toNanos();
    Map<TopicPartition, OffsetAndMetadata> previous = Map.of();
    int quiet = 0;
    while (true) {
      if (stopRequested) {
        throw new CancellationException("replay " + appId + " stopped");
      }
      if (System.nanoTime() - deadline > 0) {
        throw new TimeoutException("replay " + appId + " did not finish within " + timeout);
      }
      KafkaStreams.State state = streams.state();
      if (state == KafkaStreams.State.ERROR
          || state == KafkaStreams.State.NOT_RUNNING
          || state == KafkaStreams.State.PENDING_ERROR) {
        throw new IllegalStateException(
            "replay " + appId + " stopped: its Kafka Streams client failed (see the log)");
      }
      Thread.sleep(POLL.toMillis());
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(appId)
              .partitionsToOffsetAndMetadata()
              .get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
      boolean inputsDone = true;
      long read = 0;
      for (Map.Entry<TopicPartition, Long> e : stop.entrySet()) {
        OffsetAndMetadata at = committed.get(e.getKey());
        long position = at == null ? -1 : at.offset();
        // The last offset may be a transaction marker, which is never committed past.
        if (e.getValue() > 0 && position < e.getValue() - 1) {
          inputsDone = false;
        }
        long from = start.getOrDefault(e.getKey(), 0L);
        read += Math.max(0, Math.min(position, e.getValue()) - from);
      }
      long now = System.nanoTime();
      if (now - nextProgress >= 0) {
        nextProgress = now + progressEvery.toNanos();
        progress.accept(
            new Progress(
                Math.min(read, records),
                records,
                counter.alerts.get(),
                Duration.ofNanos(now - startedAt)));
      }
      boolean internalDone = internalDrained(admin, committed);
      quiet = inputsDone && internalDone && committed.equals(previous) ? quiet + 1 : 0;
      previous = committed;
      if (quiet >= QUIET_POLLS) {
        return;
      }
    }
  }

  private boolean internalDrained(Admin admin, Map<TopicPartition, OffsetAndMetadata> committed)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<TopicPartition> internal =
        committed.keySet().stream().filter(tp -> tp.topic().startsWith(appId + "-")).toList();
    if (internal.isEmpty()) {
      return true;
    }
    Map<TopicPartition, Long> end = offsets(admin, internal, OffsetSpec.latest());
    for (TopicPartition tp : internal) {
      // internal lists only partitions that committed holds
      if (requireNonNull(committed.get(tp)).offset() < end.getOrDefault(tp, 0L) - 1) {
        return false;
      }
    }
    return true;
  }

  /**
   * The alerts on {@code outputs} after {@code before}: this run's, since the run's transactions
   * are decided and nothing else writes a backtest topic.
   */
  private List<AlertCount> alertsWritten(
      SchemaRegistryClient registry,
      List<TopicPartition> outputs,
      Map<TopicPartition, Long> before,
      Admin admin)
      throws ExecutionException, InterruptedException, TimeoutException {
    Map<TopicPartition, Long> after = decidedEnd(admin, outputs);
    Map<Rule, Map<Severity, Long>> counts = new EnumMap<>(Rule.class);
    Map<String, Object> settings = new HashMap<>();
    config.streamsProperties().forEach((key, value) -> settings.put(String.valueOf(key), value));
    settings.keySet().removeIf(key -> !ConsumerConfig.configNames().contains(key));
    settings.remove(StreamsConfig.APPLICATION_ID_CONFIG);
    settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
    try (KafkaConsumer<byte[], SecurityAlert> consumer =
        new KafkaConsumer<>(
            settings,
            new ByteArrayDeserializer(),
            AvroSerdes.specific(SecurityAlert.class, registry, config.serdeConfig(), false)
                .deserializer())) {
      List<TopicPartition> pending = new ArrayList<>();
      for (TopicPartition tp : outputs) {
        if (after.getOrDefault(tp, 0L) > before.getOrDefault(tp, 0L)) {
          pending.add(tp);
        }
      }
      consumer.assign(pending);
      pending.forEach(tp -> consumer.seek(tp, before.getOrDefault(tp, 0L)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADMIN_TIMEOUT_S);
      while (!pending.isEmpty()) {
        if (System.nanoTime() - deadline > 0) {
          throw new TimeoutException("could not read the replay's alerts from " + outputs);
        }
        for (ConsumerRecord<byte[], SecurityAlert> record : consumer.poll(POLL)) {
          if (record.offset()
                  < after.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L)
              && record.value() != null
              && record.value().getRevision() == 0) {
            counts
                .computeIfAbsent(
                    Rule.valueOf(record.value().getRule().name()),
                    r -> new EnumMap<>(Severity.class))
                .merge(Severity.valueOf(record.value().getSeverity().name()), 1L, Long::sum);
          }
        }
        pending.removeIf(tp -> consumer.position(tp) >= after.getOrDefault(tp, 0L));
      }
    }
    List<AlertCount> alerts = new ArrayList<>();
    counts.forEach(
        (rule, bySeverity) ->
            bySeverity.forEach((severity, n) -> alerts.add(new AlertCount(rule, severity, n))));
    alerts.sort(
        Comparator.comparing(AlertCount::rule)
            .thenComparing(AlertCount::severity, Comparator.reverseOrder()));
    return alerts;
  }

  /** The last stable offsets: where committed records end. */
  /**
   * The end of {@code partitions} once every transaction written to them is decided: a committed
   * transaction's markers reach its partitions after the commit returns, so right after the run the
   * last stable offset may still stand before the run's last records. Nothing else writes there, so
   * it catches up with the log end.
   */
  private static Map<TopicPartition, Long> decidedEnd(Admin admin, List<TopicPartition> partitions)
      throws ExecutionException, InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADMIN_TIMEOUT_S);
    while (true) {
      Map<TopicPartition, Long> stable = committedEnd(admin, partitions);
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResultInfo> logEnd =
          admin
              .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
              .all()
              .get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
      // A transaction's end marker occupies the last offset: decided when the stable end is there.
      boolean decided =
          partitions.stream()
              .allMatch(
                  tp ->
                      stable.getOrDefault(tp, 0L)
                          >= requireNonNull(logEnd.get(tp), "log end").offset());
      if (decided || System.nanoTime() - deadline > 0) {
        return stable;
      }
      Thread.sleep(TOPIC_SETTLE_PAUSE.toMillis());
    }
  }

  private static Map<TopicPartition, Long> committedEnd(
      Admin admin, List<TopicPartition> partitions)
      throws ExecutionException, InterruptedException, TimeoutException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResultInfo> result =
        admin
            .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .all()
            .get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
    Map<TopicPartition, Long> offsets = new HashMap<>();
    result.forEach((tp, info) -> offsets.put(tp, Math.max(0, info.offset())));
    return offsets;
  }

  private static List<TopicPartition> partitions(Admin admin, List<String> topics)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<TopicPartition> partitions = new ArrayList<>();
    Map<String, TopicDescription> described =
        admin.describeTopics(topics).allTopicNames().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
    for (String topic : topics) {
      requireNonNull(described.get(topic), topic)
          .partitions()
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    return partitions;
  }

  private static Map<TopicPartition, Long> offsets(
      Admin admin, List<TopicPartition> partitions, OffsetSpec spec)
      throws InterruptedException, ExecutionException, TimeoutException {
    return offsets(admin, partitions, spec, Map.of());
  }

  /** Offsets for {@code spec}; where there is none (-1), the fallback's offset. */
  private static Map<TopicPartition, Long> offsets(
      Admin admin,
      List<TopicPartition> partitions,
      OffsetSpec spec,
      Map<TopicPartition, Long> fallback)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(tp -> request.put(tp, spec));
    Map<TopicPartition, ListOffsetsResultInfo> result =
        admin.listOffsets(request).all().get(ADMIN_TIMEOUT_S, TimeUnit.SECONDS);
    Map<TopicPartition, Long> offsets = new HashMap<>();
    for (TopicPartition tp : partitions) {
      long offset = requireNonNull(result.get(tp), tp::toString).offset();
      offsets.put(tp, offset < 0 ? fallback.getOrDefault(tp, 0L) : offset);
    }
    return offsets;
  }
}
