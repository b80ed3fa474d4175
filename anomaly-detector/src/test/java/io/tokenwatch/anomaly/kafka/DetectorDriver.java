package io.tokenwatch.anomaly.kafka;

import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.registry.InMemorySchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The detector's topology in a {@link TopologyTestDriver}, fed with scenario inputs.
 *
 * <p>The per-client rules apply their inputs once every source has passed them; reading the alerts
 * first {@linkplain #settle() settles} what was piped: live, the wall clock moves on until every
 * input is idle and past the newest event; in a replay, every input ends.
 */
final class DetectorDriver implements AutoCloseable {

  static final Instant START = Instant.parse("2030-01-01T10:00:00Z");

  /** The inputs of the per-client rules, which {@link #settle()} waits for. */
  private static final Set<String> CLIENT_INPUTS =
      Set.of(Topics.TOKEN_USED.name(), Topics.TOKEN_ISSUED.name(), Topics.ISSUANCE_DENIED.name());

  final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  final AnomalyDetectorConfig config;
  final TopologyTestDriver driver;
  private final Map<String, TestInputTopic<String, SpecificRecord>> inputs = new HashMap<>();
  final TestInputTopic<byte[], byte[]> rawUsed;
  final TestOutputTopic<String, SecurityAlert> alerts;
  final TestOutputTopic<String, RevocationRequested> requests;
  final TestOutputTopic<byte[], byte[]> deadLetters;
  private final AnomalyTopology.Mode mode;
  private final TestInputTopic<String, String> replayEnd;
  private Instant wallClock = START;
  private long newestEvent = Long.MIN_VALUE;
  private boolean unsettled;

  DetectorDriver(Map<String, ?> overrides) {
    this(overrides, AnomalyTopology.Mode.LIVE);
  }

  DetectorDriver(Map<String, ?> overrides, AnomalyTopology.Mode mode) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("bootstrap.servers", "unused:9092");
    settings.put("schema.registry.url", "http://unused:8081");
    // The test driver commits, and so flushes every store, after each record: RocksDB would
    // write a file per record.
    settings.put(AnomalyDetectorConfig.IN_MEMORY_STATE, true);
    settings.putAll(overrides);
    config = AnomalyDetectorConfig.of(settings);
    this.mode = mode;
    Properties props = config.streamsProperties();
    props.put(StreamsConfig.STATE_DIR_CONFIG, "target/streams-test-state/" + UUID.randomUUID());
    driver =
        new TopologyTestDriver(
            AnomalyTopology.build(
                config, registry, AnomalyMetrics.NONE, mode, AnomalyTopology.SourcePartitions.ONE),
            props,
            START);
    var serdes = config.serdeConfig();
    // The serializer writes each record with its own schema, whatever its class.
    @SuppressWarnings({"unchecked", "rawtypes"})
    Serializer<SpecificRecord> avro =
        (Serializer) AvroSerdes.specific(TokenIssued.class, registry, serdes, false).serializer();
    for (String topic :
        List.of(
            Topics.TOKEN_ISSUED.name(),
            Topics.TOKEN_USED.name(),
            Topics.ISSUANCE_DENIED.name(),
            Topics.REVOCATION_REQUESTS.name(),
            Topics.REVOCATIONS.name(),
            Topics.VALIDATOR_STATUS.name())) {
      inputs.put(topic, driver.createInputTopic(topic, new StringSerializer(), avro));
    }
    rawUsed =
        driver.createInputTopic(
            Topics.TOKEN_USED.name(), new ByteArraySerializer(), new ByteArraySerializer());
    alerts =
        driver.createOutputTopic(
            config.outputTopic(),
            new StringDeserializer(),
            AvroSerdes.specific(SecurityAlert.class, registry, serdes, false).deserializer());
    requests =
        driver.createOutputTopic(
            Topics.REVOCATION_REQUESTS.name(),
            new StringDeserializer(),
            AvroSerdes.specific(RevocationRequested.class, registry, serdes, false).deserializer());
    deadLetters =
        driver.createOutputTopic(
            Topics.DEAD_LETTERS.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    replayEnd =
        driver.createInputTopic(
            AnomalyTopology.replayEndTopic(config.applicationId()),
            new StringSerializer(),
            new StringSerializer());
  }

  void pipe(Input input) {
    inputs.get(input.topic()).pipeInput(new TestRecord<>(input.key(), input.value(), input.at()));
    if (CLIENT_INPUTS.contains(input.topic())) {
      newestEvent = Math.max(newestEvent, input.at().toEpochMilli());
      unsettled = true;
    }
  }

  /** Moves the wall clock on by {@code step}, as every wall-clock punctuation sees it. */
  void advanceWallClockTime(Duration step) {
    wallClock = wallClock.plus(step);
    driver.advanceWallClockTime(step);
  }

  /**
   * Lets the per-client rules apply everything piped so far: live, the wall clock moves on past the
   * newest event by the idle time and the allowed lateness (events piped later must be newer); in a
   * replay, the inputs end. Nothing when nothing was piped since the last time.
   */
  void settle() {
    if (!unsettled) {
      return;
    }
    unsettled = false;
    if (mode.replay()) {
      replayEnd.pipeInput("end", "end", Instant.ofEpochMilli(Math.max(0, newestEvent)));
      return;
    }
    Duration idle = config.idleSource();
    Instant target = Instant.ofEpochMilli(newestEvent).plus(idle).plus(config.allowedLateness());
    Duration step = Duration.between(wallClock, target);
    advanceWallClockTime(step.compareTo(idle) > 0 ? step : idle);
  }

  void pipe(List<Input> inputs) {
    inputs.forEach(this::pipe);
  }

  /** The alerts raised so far, once what was piped {@linkplain #settle() settled}. */
  List<SecurityAlert> alerts() {
    settle();
    return alerts.readValuesToList();
  }

  /** The alert records raised so far, once what was piped {@linkplain #settle() settled}. */
  List<TestRecord<String, SecurityAlert>> alertRecords() {
    settle();
    return alerts.readRecordsToList();
  }

  @Override
  public void close() {
    driver.close();
  }
}
