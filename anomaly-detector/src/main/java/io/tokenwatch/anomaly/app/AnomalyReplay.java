package io.tokenwatch.anomaly.app;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.anomaly.kafka.AnomalyMetrics;
import io.tokenwatch.anomaly.kafka.AnomalyTopology;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.streams.StreamsService;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backtesting: runs the detector's topology over the history between two instants, under its own
 * application id, writing alerts to its own topic, so a new rule or threshold can be tried on past
 * traffic and its alerts compared with the live ones.
 *
 * <p>Before starting, the replay's consumer group (its application id) gets committed offsets on
 * every input partition from {@code offsetsForTimes(from)}, and the stop offsets are captured: the
 * first offset after {@code to}, or the end offset when there is none. Events whose {@code
 * occurred_at} is after {@code to} are ignored. The replay stops by itself once every input
 * partition is committed up to its stop offset and the internal topics are drained, and never
 * revokes anything (auto-response is off). Afterwards its local state, consumer group and internal
 * topics are deleted; the output topic stays.
 */
public final class AnomalyReplay {

  private static final Logger log = LoggerFactory.getLogger(AnomalyReplay.class);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final int QUIET_POLLS = 4;

  /** The inputs of the detector, whose offsets the replay positions. */
  static final List<String> INPUTS =
      List.of(
          Topics.TOKEN_ISSUED.name(),
          Topics.TOKEN_USED.name(),
          Topics.ISSUANCE_DENIED.name(),
          Topics.REVOCATION_REQUESTS.name(),
          Topics.REVOCATIONS.name());

  /**
   * What a replay did.
   *
   * @param records input records between the start and stop offsets
   */
  public record Result(String applicationId, String outputTopic, long records, Duration took) {}

  private AnomalyReplay() {}

  /** The application id of a replay of {@code [from, to]} derived from the live one. */
  public static String applicationId(String liveApplicationId, Instant from, Instant to) {
    return liveApplicationId + "-replay-" + from.toEpochMilli() + "-" + to.toEpochMilli();
  }

  /**
   * Replays {@code [from, to]}.
   *
   * @param base the live configuration (thresholds may be changed to try them)
   * @param applicationId the replay's own application id, or null to derive one from the range
   * @param timeout how long the replay may take
   * @throws IllegalArgumentException if {@code to} is before {@code from} or the output topic is
   *     the live alert topic
   * @throws TimeoutException if the replay did not finish in time (it is stopped and cleaned up)
   */
  public static Result run(
      AnomalyDetectorConfig base,
      Instant from,
      Instant to,
      String outputTopic,
      @Nullable String applicationId,
      Duration timeout)
      throws TimeoutException, InterruptedException {
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
    String appId =
        applicationId != null ? applicationId : applicationId(base.applicationId(), from, to);
    Map<String, Object> settings = new LinkedHashMap<>(base.originals());
    settings.put(AnomalyDetectorConfig.APPLICATION_ID, appId);
    settings.put(AnomalyDetectorConfig.OUTPUT_TOPIC, outputTopic);
    AnomalyDetectorConfig config = AnomalyDetectorConfig.of(settings);
    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(config.serdeConfig().registrySettings());
    AnomalyDetectorApp.ensureTopics(config, registry);
    long started = System.nanoTime();
    try (Admin admin = Admin.create(TopicEnsurer.adminSettings(config.streamsProperties()))) {
      List<TopicPartition> partitions = partitions(admin, INPUTS);
      Map<TopicPartition, Long> end = offsets(admin, partitions, OffsetSpec.latest());
      Map<TopicPartition, Long> start =
          offsets(admin, partitions, OffsetSpec.forTimestamp(from.toEpochMilli()), end);
      Map<TopicPartition, Long> stop =
          offsets(admin, partitions, OffsetSpec.forTimestamp(to.toEpochMilli() + 1), end);
      long records = 0;
      for (TopicPartition tp : partitions) {
        records += Math.max(0, stop.getOrDefault(tp, 0L) - start.getOrDefault(tp, 0L));
      }
      admin
          .alterConsumerGroupOffsets(
              appId,
              start.entrySet().stream()
                  .collect(
                      Collectors.toMap(
                          Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue()))))
          .all()
          .get(60, TimeUnit.SECONDS);
      log.info(
          "Replaying {} .. {} ({} input records) as {} into {}",
          from,
          to,
          records,
          appId,
          outputTopic);
      KafkaStreams streams =
          new KafkaStreams(
              AnomalyTopology.build(
                  config, registry, AnomalyMetrics.NONE, AnomalyTopology.Mode.replayUntil(to)),
              config.streamsProperties());
      streams.setUncaughtExceptionHandler(
          StreamsService.uncaughtExceptionHandler(
              AnomalyDetectorApp.class, "the anomaly detector"));
      try {
        streams.start();
        awaitDone(admin, streams, appId, stop, timeout);
      } finally {
        streams.close(Duration.ofSeconds(30));
        streams.cleanUp();
        cleanUp(admin, appId);
      }
      return new Result(appId, outputTopic, records, Duration.ofNanos(System.nanoTime() - started));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("replay failed: " + cause.getMessage(), cause);
    }
  }

  private static void awaitDone(
      Admin admin,
      KafkaStreams streams,
      String appId,
      Map<TopicPartition, Long> stop,
      Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<TopicPartition, OffsetAndMetadata> previous = Map.of();
    int quiet = 0;
    while (true) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("replay " + appId + " did not finish within " + timeout);
      }
      KafkaStreams.State state = streams.state();
      if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("replay " + appId + " stopped: " + state);
      }
      Thread.sleep(POLL.toMillis());
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(appId)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      boolean inputsDone = true;
      for (Map.Entry<TopicPartition, Long> e : stop.entrySet()) {
        OffsetAndMetadata at = committed.get(e.getKey());
        long position = at == null ? -1 : at.offset();
        // The last offset may be a transaction marker, which is never committed past.
        if (e.getValue() > 0 && position < e.getValue() - 1) {
          inputsDone = false;
        }
      }
      boolean internalDone = internalDrained(admin, appId, committed);
      quiet = inputsDone && internalDone && committed.equals(previous) ? quiet + 1 : 0;
      previous = committed;
      if (quiet >= QUIET_POLLS) {
        return;
      }
    }
  }

  private static boolean internalDrained(
      Admin admin, String appId, Map<TopicPartition, OffsetAndMetadata> committed)
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

  private static void cleanUp(Admin admin, String appId) {
    try {
      admin.deleteConsumerGroups(List.of(appId)).all().get(30, TimeUnit.SECONDS);
      Set<String> internal =
          admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
              .filter(name -> name.startsWith(appId + "-"))
              .collect(Collectors.toSet());
      if (!internal.isEmpty()) {
        admin.deleteTopics(internal).all().get(60, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("Could not clean up replay {}: {}", appId, e.toString());
    }
  }

  private static List<TopicPartition> partitions(Admin admin, List<String> topics)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<TopicPartition> partitions = new ArrayList<>();
    Map<String, TopicDescription> described =
        admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS);
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
        admin.listOffsets(request).all().get(60, TimeUnit.SECONDS);
    Map<TopicPartition, Long> offsets = new HashMap<>();
    for (TopicPartition tp : partitions) {
      long offset = requireNonNull(result.get(tp), tp::toString).offset();
      offsets.put(tp, offset < 0 ? fallback.getOrDefault(tp, 0L) : offset);
    }
    return offsets;
  }
}
