package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.Alerter;
import io.tokenwatch.anomaly.AutoResponsePolicy;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.ReuseRevocation;
import io.tokenwatch.anomaly.Target;
import io.tokenwatch.anomaly.ValidatorRules;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.jspecify.annotations.Nullable;

/**
 * The anomaly detector's topology: three sub-topologies, each owning the state of its key.
 *
 * <ul>
 *   <li><b>tokens</b>, keyed by token id: {@code tokenwatch.token-issued}, {@code
 *       tokenwatch.token-used} (co-partitioned) and token revocations from the feed, re-keyed by
 *       token id through {@value #TOKEN_REVOCATIONS_REPARTITION}. State {@value #TOKEN_WATCH};
 *       rules SCOPE_ESCALATION (insufficient scope), UNFAMILIAR_CLIENT (client or key),
 *       REPLAY_AFTER_REVOCATION, USE_AFTER_EXPIRY, TOKEN_SPREAD, MAX_USE_OVERSHOOT. It also counts
 *       each client's uses on its partition ({@value #CLIENT_TALLIES}) and hands them on in
 *       tallies, so the per-client step costs one record per tally rather than one per use, and
 *       learns how many networks each client's tokens are normally used from ({@value
 *       #CLIENT_SHAPE}). With the issuances and refused issuances of its partitions, it sends how
 *       far each input has sent its signals ({@link ClientSignal.Progress}, {@value
 *       #SOURCE_PROGRESS}).
 *   <li><b>clients</b>, keyed by client id through {@value #CLIENT_SIGNALS_REPARTITION}: the use
 *       tallies, the first use of a token from each source address, issuances and refused
 *       issuances, and every source's progress on every partition. The signals wait in {@value
 *       #CLIENT_BUFFER} until the slowest source has passed them, then are applied in event-time
 *       order. State {@value #CLIENT_WATCH}, {@value #NETWORK_WATCH} (per client and subject) and
 *       {@value #CLIENT_NETWORKS} (the client's own networks, new ones watched before they alert);
 *       rules USAGE_SPIKE, SCOPE_ESCALATION (refusals, baseline) and UNFAMILIAR_CLIENT (source
 *       network).
 *   <li><b>grants</b>, keyed by grant id through {@value #GRANT_SIGNALS_REPARTITION}: issuances and
 *       the issuer's grant revocations for refresh token reuse. State {@value #GRANT_WATCH}; rule
 *       REFRESH_TOKEN_REUSE.
 *   <li><b>validators</b>, keyed by validator id: {@code tokenwatch.validator-status}. State
 *       {@value #VALIDATOR_WATCH}; rules VALIDATOR_SILENT and VALIDATOR_STALE, by the wall clock,
 *       so live only: a replay leaves them out (whether a validator was silent then is not in the
 *       events).
 * </ul>
 *
 * <p>Each sub-topology keeps an incident ledger: one alert per incident, updated as it grows.
 * Alerts go to the output topic keyed by subject; automatic responses to {@code
 * tokenwatch.revocation-requests} (never in a replay). Every input is decoded inside the topology;
 * bad records become dead letters.
 */
public final class AnomalyTopology {

  /** Per-token state by token id. */
  public static final String TOKEN_WATCH = "anomaly-token-watch";

  /** The incidents of the per-token rules ({@link io.tokenwatch.anomaly.Incident}). */
  public static final String TOKEN_INCIDENTS = "anomaly-token-incidents";

  /**
   * Per-token side: how each client's tokens are normally spread over networks, learned on the
   * partition, by client id.
   */
  public static final String CLIENT_SHAPE = "anomaly-client-shape";

  /** Per-token side: each client's uses on the partition not yet handed on, by client id. */
  public static final String CLIENT_TALLIES = "anomaly-client-tallies";

  /** Per-client state by client id. */
  public static final String CLIENT_WATCH = "anomaly-client-watch";

  /** Source networks per client and subject. */
  public static final String NETWORK_WATCH = "anomaly-network-watch";

  /** Each client's own networks and the new networks watched before they alert, by client id. */
  public static final String CLIENT_NETWORKS = "anomaly-client-networks";

  /**
   * How far each source of the client signals has sent them, by {@code <kind>:<partition>}: what
   * the per-client rules have heard.
   */
  public static final String CLIENT_PROGRESS = "anomaly-client-progress";

  /** Client signals waiting for the slowest source to pass them, in event-time order. */
  public static final String CLIENT_BUFFER = "anomaly-client-buffer";

  /**
   * Per-token side: how far each input on the partition has sent its client signals, by {@code
   * <kind>|max} (the newest event time seen) and {@code <kind>|sent} (the progress sent).
   */
  public static final String SOURCE_PROGRESS = "anomaly-source-progress";

  /** The incidents of the per-client rules. */
  public static final String CLIENT_INCIDENTS = "anomaly-client-incidents";

  /** Per-grant state by grant id. */
  public static final String GRANT_WATCH = "anomaly-grant-watch";

  /** The incidents of the per-grant rule. */
  public static final String GRANT_INCIDENTS = "anomaly-grant-incidents";

  /** What the detector knows of each validator, by validator id. */
  public static final String VALIDATOR_WATCH = "anomaly-validator-watch";

  /** Internal topic of token revocations keyed by token id. */
  public static final String TOKEN_REVOCATIONS_REPARTITION = "anomaly-token-revocations";

  /** Internal topic of the per-client signals keyed by client id. */
  public static final String CLIENT_SIGNALS_REPARTITION = "anomaly-client-signals";

  /** Internal topic of the per-grant signals keyed by grant id. */
  public static final String GRANT_SIGNALS_REPARTITION = "anomaly-grant-signals";

  /**
   * The internal-to-a-replay topic its end of input goes through: {@code
   * <appId>-anomaly-replay-end}.
   */
  public static String replayEndTopic(String applicationId) {
    return applicationId + "-anomaly-replay-end";
  }

  /**
   * How many partitions each input of the per-client rules has: every partition of each is a source
   * the rules wait for. The live app and a replay describe the topics; a test driver has one each.
   */
  public record SourcePartitions(int tokenUsed, int tokenIssued, int issuanceDenied) {

    /** One partition per input, as in a {@code TopologyTestDriver}. */
    public static final SourcePartitions ONE = new SourcePartitions(1, 1, 1);

    /** As the topic catalogue declares them. */
    public static final SourcePartitions CATALOGUE =
        new SourcePartitions(
            Topics.TOKEN_USED.spec().partitions(),
            Topics.TOKEN_ISSUED.spec().partitions(),
            Topics.ISSUANCE_DENIED.spec().partitions());

    public SourcePartitions {
      if (tokenUsed < 1 || tokenIssued < 1 || issuanceDenied < 1) {
        throw new IllegalArgumentException("every input has at least one partition");
      }
    }

    /** The partitions of {@code kind}'s input. */
    int of(ClientSignal.SourceKind kind) {
      return switch (kind) {
        case USE -> tokenUsed;
        case ISSUED -> tokenIssued;
        case REFUSED -> issuanceDenied;
      };
    }

    /** The tasks of the per-token sub-topology: the most partitions of its inputs. */
    public int tasks() {
      return Math.max(tokenUsed, Math.max(tokenIssued, issuanceDenied));
    }
  }

  /** Live run or replay. */
  public record Mode(boolean replay, @Nullable Instant until) {

    /** The live detector: auto-response as configured, no end. */
    public static final Mode LIVE = new Mode(false, null);

    /** A replay: events after {@code until} are ignored, and nothing is revoked. */
    public static Mode replayUntil(Instant until) {
      return new Mode(true, requireNonNull(until, "until"));
    }
  }

  private AnomalyTopology() {}

  /** The live topology without metrics, for inputs laid out as the catalogue declares. */
  public static Topology build(AnomalyDetectorConfig config, SchemaRegistryClient registry) {
    return build(config, registry, AnomalyMetrics.NONE, Mode.LIVE, SourcePartitions.CATALOGUE);
  }

  /** Builds the topology for inputs laid out as the catalogue declares. */
  public static Topology build(
      AnomalyDetectorConfig config,
      SchemaRegistryClient registry,
      AnomalyMetrics metrics,
      Mode mode) {
    return build(config, registry, metrics, mode, SourcePartitions.CATALOGUE);
  }

  /**
   * Builds the topology.
   *
   * @param config rules, thresholds, output topic and serde settings
   * @param registry the schema registry client every Avro serde shares
   * @param metrics where alerts, lag and dead letters are reported
   * @param mode live, or a replay up to a time
   * @param partitions the partitions of the inputs of the per-client rules, as they are
   */
  public static Topology build(
      AnomalyDetectorConfig config,
      SchemaRegistryClient registry,
      AnomalyMetrics metrics,
      Mode mode,
      SourcePartitions partitions) {
    requireNonNull(config, "config");
    requireNonNull(registry, "registry");
    requireNonNull(metrics, "metrics");
    requireNonNull(mode, "mode");
    requireNonNull(partitions, "partitions");
    DetectionSettings settings = config.settings();
    AutoResponsePolicy policy = mode.replay() ? AutoResponsePolicy.OFF : config.autoResponse();
    long lateness = config.allowedLateness().toMillis();
    // Live, progress is sent often enough to keep the per-client alerts prompt; a replay sends it
    // as rarely as the state is purged, since only the buffered signals wait for it.
    Duration live = Duration.ofMillis(Math.max(1_000L, lateness));
    Duration progressEvery =
        mode.replay() && config.punctuation().compareTo(live) > 0 ? config.punctuation() : live;
    Rules rules =
        new Rules(
            settings,
            new Alerter(settings, policy),
            metrics,
            config.punctuation(),
            Topics.TOKEN_USED.spec().partitions(),
            new Sources(
                partitions,
                lateness,
                mode.replay() ? 0 : config.idleSource().toMillis(),
                progressEvery,
                new TaskActivity()));
    Avro avro = new Avro(registry, config.serdeConfig());

    StreamsBuilder builder = new StreamsBuilder();
    addStores(builder, config.inMemoryState());
    if (!mode.replay()) {
      builder.addStateStore(
          store(VALIDATOR_WATCH, StateSerdes.validatorWatch(), config.inMemoryState()));
    }
    Inputs inputs =
        Inputs.decode(builder, registry, config.serdeConfig(), metrics).until(mode.until());
    KStream<String, TokenOutput> tokenOutput = tokenRules(inputs, rules);
    KStream<String, ClientSignal> ends =
        mode.replay() ? replayEnd(builder, config.applicationId(), rules) : null;
    KStream<String, Alert> alerts =
        tokenOutput
            .flatMapValues(TokenOutput::alerts, Named.as("token-alerts"))
            .merge(clientRules(tokenOutput, ends, inputs, rules), Named.as("merge-client-alerts"))
            .merge(grantRules(inputs, rules), Named.as("merge-grant-alerts"));
    if (!mode.replay()) {
      alerts =
          alerts.merge(
              validatorRules(builder, registry, config, rules), Named.as("merge-validator-alerts"));
    }
    publishAlerts(alerts, config.outputTopic(), avro);
    if (!mode.replay()) {
      requestRevocations(alerts, avro);
    }
    return builder.build();
  }

  /** What every rule processor shares. */
  private record Rules(
      DetectionSettings settings,
      Alerter alerter,
      AnomalyMetrics metrics,
      Duration punctuation,
      int tokenPartitions,
      Sources sources) {}

  /** The Avro serdes, all over one registry client. */
  private record Avro(SchemaRegistryClient registry, SerdeConfig config) {
    <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
      return AvroSerdes.specific(type, registry, config, false);
    }
  }

  private static void addStores(StreamsBuilder builder, boolean inMemory) {
    builder.addStateStore(store(TOKEN_WATCH, StateSerdes.tokenWatch(), inMemory));
    builder.addStateStore(store(TOKEN_INCIDENTS, StateSerdes.incident(), inMemory));
    builder.addStateStore(store(CLIENT_TALLIES, StateSerdes.useTally(), inMemory));
    builder.addStateStore(store(CLIENT_SHAPE, StateSerdes.clientShape(), inMemory));
    builder.addStateStore(store(CLIENT_WATCH, StateSerdes.clientWatch(), inMemory));
    builder.addStateStore(store(NETWORK_WATCH, StateSerdes.networkWatch(), inMemory));
    builder.addStateStore(store(CLIENT_NETWORKS, StateSerdes.clientNetworks(), inMemory));
    builder.addStateStore(store(CLIENT_INCIDENTS, StateSerdes.incident(), inMemory));
    builder.addStateStore(store(CLIENT_PROGRESS, Serdes.Long(), inMemory));
    builder.addStateStore(store(CLIENT_BUFFER, SignalSerdes.clientSignal(), inMemory));
    builder.addStateStore(store(SOURCE_PROGRESS, Serdes.Long(), inMemory));
    builder.addStateStore(store(GRANT_WATCH, StateSerdes.grantWatch(), inMemory));
    builder.addStateStore(store(GRANT_INCIDENTS, StateSerdes.incident(), inMemory));
  }

  /**
   * The per-token rules, keyed by token id: issuances and token revocations feed the state, uses
   * are judged. Returns what the use step forwards: alerts and the per-client signals.
   */
  private static KStream<String, TokenOutput> tokenRules(Inputs inputs, Rules rules) {
    inputs
        .issued()
        .process(
            () -> new TokenIssuedProcessor(rules.settings(), rules.metrics()),
            Named.as("token-issued-rules"),
            TOKEN_WATCH);
    inputs
        .revocations()
        .filter(
            (key, revocation) -> revocation.getSelector().getKind() == SelectorKind.TOKEN,
            Named.as("token-revocations"))
        .map(
            (key, revocation) ->
                KeyValue.pair(
                    revocation.getSelector().getValue(),
                    new TokenRevoked(revocation.getEventId(), revocation.getOccurredAt())),
            Named.as("key-revocation-by-token-id"))
        .repartition(
            Repartitioned.<String, TokenRevoked>as(TOKEN_REVOCATIONS_REPARTITION)
                .withKeySerde(Serdes.String())
                .withValueSerde(SignalSerdes.tokenRevoked())
                .withNumberOfPartitions(rules.tokenPartitions()))
        .process(
            () -> new TokenRevokedProcessor(rules.settings(), rules.metrics()),
            Named.as("token-revoked-rules"),
            TOKEN_WATCH);
    return inputs
        .used()
        .process(
            () ->
                new TokenUsedProcessor(
                    rules.settings(),
                    rules.alerter(),
                    rules.metrics(),
                    rules.punctuation(),
                    rules.sources()),
            Named.as("token-used-rules"),
            TOKEN_WATCH,
            TOKEN_INCIDENTS,
            CLIENT_TALLIES,
            CLIENT_SHAPE,
            SOURCE_PROGRESS);
  }

  /**
   * A replay's end of input, written by the replay to {@link #replayEndTopic} once every input is
   * read: the open tallies and every source's end, for the per-client rules.
   */
  private static KStream<String, ClientSignal> replayEnd(
      StreamsBuilder builder, String applicationId, Rules rules) {
    return builder.stream(
            replayEndTopic(applicationId),
            Consumed.with(Serdes.String(), Serdes.String()).withName("replay-end-source"))
        .process(
            () -> new ReplayEndProcessor(rules.sources()),
            Named.as("replay-end"),
            CLIENT_TALLIES,
            SOURCE_PROGRESS);
  }

  /**
   * The per-client rules, keyed by client id: the use step's signals, issuances and refused
   * issuances. Returns their alerts.
   */
  private static KStream<String, Alert> clientRules(
      KStream<String, TokenOutput> tokenOutput,
      @Nullable KStream<String, ClientSignal> replayEnds,
      Inputs inputs,
      Rules rules) {
    KStream<String, ClientSignal> useSignals =
        tokenOutput.flatMapValues(TokenOutput::signals, Named.as("use-client-signals"));
    KStream<String, ClientSignal> issueSignals =
        inputs
            .issued()
            .process(
                () ->
                    new ClientSourceProcessor<TokenIssued>(
                        ClientSignal.SourceKind.ISSUED,
                        event -> ClientSignal.Issued.of(Events.grant(event)),
                        rules.sources(),
                        rules.metrics()),
                Named.as("issue-client-signals"),
                SOURCE_PROGRESS);
    KStream<String, ClientSignal> refusalSignals =
        inputs
            .denied()
            .process(
                () ->
                    new ClientSourceProcessor<IssuanceDenied>(
                        ClientSignal.SourceKind.REFUSED,
                        event -> new ClientSignal.Refused(Events.refusal(event)),
                        rules.sources(),
                        rules.metrics()),
                Named.as("refusal-client-signals"),
                SOURCE_PROGRESS);
    KStream<String, ClientSignal> signals =
        useSignals
            .merge(issueSignals, Named.as("merge-issue-signals"))
            .merge(refusalSignals, Named.as("merge-refusal-signals"));
    if (replayEnds != null) {
      signals = signals.merge(replayEnds, Named.as("merge-replay-end"));
    }
    return signals
        .repartition(
            Repartitioned.<String, ClientSignal>as(CLIENT_SIGNALS_REPARTITION)
                .withKeySerde(Serdes.String())
                .withValueSerde(SignalSerdes.clientSignal())
                .withStreamPartitioner(new ClientSignalPartitioner())
                .withNumberOfPartitions(rules.tokenPartitions()))
        .process(
            () ->
                new ClientProcessor(
                    rules.settings(),
                    rules.alerter(),
                    rules.metrics(),
                    rules.punctuation(),
                    rules.sources()),
            Named.as("client-rules"),
            CLIENT_WATCH,
            NETWORK_WATCH,
            CLIENT_NETWORKS,
            CLIENT_INCIDENTS,
            CLIENT_PROGRESS,
            CLIENT_BUFFER);
  }

  /**
   * The per-grant rule, keyed by grant id: issuances say whose a grant is, the issuer's revocations
   * for refresh token reuse raise. Returns its alerts.
   */
  private static KStream<String, Alert> grantRules(Inputs inputs, Rules rules) {
    KStream<String, GrantSignal> minted =
        inputs
            .issued()
            .map(
                (key, event) -> {
                  GrantSignal signal = GrantSignal.Minted.of(Events.grant(event));
                  return KeyValue.pair(signal.grantId(), signal);
                },
                Named.as("issue-grant-signals"));
    KStream<String, GrantSignal> reuse =
        inputs
            .requests()
            .filter(
                (key, request) ->
                    request.getReason() == RevocationReason.REFRESH_TOKEN_REUSE
                        && request.getSelector().getKind() == SelectorKind.GRANT,
                Named.as("grant-reuse-requests"))
            .map(
                (key, request) -> {
                  GrantSignal signal =
                      new GrantSignal.ReuseRevoked(
                          new ReuseRevocation(
                              request.getSelector().getValue(),
                              request.getEventId(),
                              request.getOccurredAt(),
                              request.getRequestedBy(),
                              request.getDetail()));
                  return KeyValue.pair(signal.grantId(), signal);
                },
                Named.as("reuse-grant-signals"));
    return minted
        .merge(reuse, Named.as("merge-reuse-signals"))
        .repartition(
            Repartitioned.<String, GrantSignal>as(GRANT_SIGNALS_REPARTITION)
                .withKeySerde(Serdes.String())
                .withValueSerde(SignalSerdes.grantSignal())
                .withNumberOfPartitions(Topics.REVOCATION_REQUESTS.spec().partitions()))
        .process(
            () ->
                new GrantProcessor(
                    rules.settings(), rules.alerter(), rules.metrics(), rules.punctuation()),
            Named.as("grant-rules"),
            GRANT_WATCH,
            GRANT_INCIDENTS);
  }

  /**
   * The validator rules, keyed by validator id: status reports update the state, a wall-clock
   * punctuation finds the silent. Returns their alerts.
   */
  private static KStream<String, Alert> validatorRules(
      StreamsBuilder builder,
      SchemaRegistryClient registry,
      AnomalyDetectorConfig config,
      Rules rules) {
    ValidatorRules validatorRules =
        new ValidatorRules(config.validatorThresholds(), rules.settings());
    return Decoding.decode(
            builder,
            Topics.VALIDATOR_STATUS,
            AvroSerdes.specific(ValidatorStatus.class, registry, config.serdeConfig(), false)
                .deserializer(),
            Events::checkValidatorStatus,
            "validator-status",
            rules.metrics())
        .process(
            () -> new ValidatorStatusProcessor(validatorRules, rules.metrics()),
            Named.as("validator-rules"),
            VALIDATOR_WATCH);
  }

  /** The alerts to the output topic, keyed by subject. */
  private static void publishAlerts(KStream<String, Alert> alerts, String topic, Avro avro) {
    alerts
        .mapValues(AlertRecords::alert, Named.as("security-alerts"))
        .to(
            topic,
            Produced.with(Serdes.String(), avro.serde(SecurityAlert.class))
                .withName("alerts-to-topic"));
  }

  /** The automatic responses the policy allows, as revocation requests keyed by selector. */
  private static void requestRevocations(KStream<String, Alert> alerts, Avro avro) {
    alerts
        .flatMap(
            (key, alert) -> {
              RevocationRequested request = AlertRecords.response(alert);
              Target target = alert.autoResponse();
              return request == null || target == null
                  ? List.<KeyValue<String, RevocationRequested>>of()
                  : List.of(KeyValue.pair(AlertRecords.selectorKey(target), request));
            },
            Named.as("auto-responses"))
        .to(
            Topics.REVOCATION_REQUESTS.name(),
            Produced.with(Serdes.String(), avro.serde(RevocationRequested.class))
                .withName("responses-to-requests"));
  }

  private static <V> StoreBuilder<KeyValueStore<String, V>> store(
      String name, Serde<V> values, boolean inMemory) {
    // Caching folds the many updates of a hot key within one commit interval into one changelog
    // write.
    return Stores.keyValueStoreBuilder(
            inMemory ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name),
            Serdes.String(),
            values)
        .withCachingEnabled();
  }
}
