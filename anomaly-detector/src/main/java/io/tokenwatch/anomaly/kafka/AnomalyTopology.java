package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Alert;
import io.tokenwatch.anomaly.Alerter;
import io.tokenwatch.anomaly.AutoResponsePolicy;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
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
 *       tallies, so the per-client step costs one record per tally rather than one per use.
 *   <li><b>clients</b>, keyed by client id through {@value #CLIENT_SIGNALS_REPARTITION}: the use
 *       tallies, the first use of a token from each source address, issuances and refused
 *       issuances. State {@value #CLIENT_WATCH} and {@value #NETWORK_WATCH} (per client and
 *       subject); rules USAGE_SPIKE, SCOPE_ESCALATION (refusals, baseline) and UNFAMILIAR_CLIENT
 *       (source network).
 *   <li><b>grants</b>, keyed by grant id through {@value #GRANT_SIGNALS_REPARTITION}: issuances and
 *       the issuer's grant revocations for refresh token reuse. State {@value #GRANT_WATCH}; rule
 *       REFRESH_TOKEN_REUSE.
 * </ul>
 *
 * <p>Each sub-topology keeps an incident ledger for suppression. Alerts go to the output topic
 * keyed by subject; automatic responses to {@code tokenwatch.revocation-requests} (never in a
 * replay). Every input is decoded inside the topology; bad records become dead letters.
 */
public final class AnomalyTopology {

  /** Per-token state by token id. */
  public static final String TOKEN_WATCH = "anomaly-token-watch";

  /** Last finding per incident of the per-token rules. */
  public static final String TOKEN_INCIDENTS = "anomaly-token-incidents";

  /** Per-token side: each client's uses on the partition not yet handed on, by client id. */
  public static final String CLIENT_TALLIES = "anomaly-client-tallies";

  /** Per-client state by client id. */
  public static final String CLIENT_WATCH = "anomaly-client-watch";

  /** Source networks per client and subject. */
  public static final String NETWORK_WATCH = "anomaly-network-watch";

  /** The newest usage bucket seen from each partition of the use topic, by partition. */
  public static final String CLIENT_PROGRESS = "anomaly-client-progress";

  /** Last finding per incident of the per-client rules. */
  public static final String CLIENT_INCIDENTS = "anomaly-client-incidents";

  /** Per-grant state by grant id. */
  public static final String GRANT_WATCH = "anomaly-grant-watch";

  /** Last finding per incident of the per-grant rule. */
  public static final String GRANT_INCIDENTS = "anomaly-grant-incidents";

  /** Internal topic of token revocations keyed by token id. */
  public static final String TOKEN_REVOCATIONS_REPARTITION = "anomaly-token-revocations";

  /** Internal topic of the per-client signals keyed by client id. */
  public static final String CLIENT_SIGNALS_REPARTITION = "anomaly-client-signals";

  /** Internal topic of the per-grant signals keyed by grant id. */
  public static final String GRANT_SIGNALS_REPARTITION = "anomaly-grant-signals";

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

  /** The live topology without metrics. */
  public static Topology build(AnomalyDetectorConfig config, SchemaRegistryClient registry) {
    return build(config, registry, AnomalyMetrics.NONE, Mode.LIVE);
  }

  /**
   * Builds the topology.
   *
   * @param config rules, thresholds, output topic and serde settings
   * @param registry the schema registry client every Avro serde shares
   * @param metrics where alerts, lag and dead letters are reported
   * @param mode live, or a replay up to a time
   */
  public static Topology build(
      AnomalyDetectorConfig config,
      SchemaRegistryClient registry,
      AnomalyMetrics metrics,
      Mode mode) {
    requireNonNull(config, "config");
    requireNonNull(registry, "registry");
    requireNonNull(metrics, "metrics");
    requireNonNull(mode, "mode");
    SerdeConfig serdes = config.serdeConfig();
    DetectionSettings settings = config.settings();
    AutoResponsePolicy policy = mode.replay() ? AutoResponsePolicy.OFF : config.autoResponse();
    Alerter alerter = new Alerter(settings, policy);
    Duration punctuation = config.punctuation();
    int tokenPartitions = Topics.TOKEN_USED.spec().partitions();

    boolean inMemory = config.inMemoryState();
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(store(TOKEN_WATCH, StateSerdes.tokenWatch(), inMemory));
    builder.addStateStore(store(TOKEN_INCIDENTS, Serdes.Long(), inMemory));
    builder.addStateStore(store(CLIENT_TALLIES, StateSerdes.useTally(), inMemory));
    builder.addStateStore(store(CLIENT_WATCH, StateSerdes.clientWatch(), inMemory));
    builder.addStateStore(store(NETWORK_WATCH, StateSerdes.networkWatch(), inMemory));
    builder.addStateStore(store(CLIENT_INCIDENTS, Serdes.Long(), inMemory));
    builder.addStateStore(store(CLIENT_PROGRESS, Serdes.Long(), inMemory));
    builder.addStateStore(store(GRANT_WATCH, StateSerdes.grantWatch(), inMemory));
    builder.addStateStore(store(GRANT_INCIDENTS, Serdes.Long(), inMemory));

    Instant until = mode.until();
    KStream<String, TokenIssued> issued =
        Decoding.decode(
            builder,
            Topics.TOKEN_ISSUED,
            AvroSerdes.specific(TokenIssued.class, registry, serdes, false).deserializer(),
            Events::checkTokenIssued,
            "token-issued",
            metrics);
    KStream<String, TokenUsed> used =
        Decoding.decode(
            builder,
            Topics.TOKEN_USED,
            AvroSerdes.specific(TokenUsed.class, registry, serdes, false).deserializer(),
            Events::checkTokenUsed,
            "token-used",
            metrics);
    KStream<String, IssuanceDenied> denied =
        Decoding.decode(
            builder,
            Topics.ISSUANCE_DENIED,
            AvroSerdes.specific(IssuanceDenied.class, registry, serdes, false).deserializer(),
            Events::checkIssuanceDenied,
            "issuance-denied",
            metrics);
    Serde<RevocationRequested> requestSerde =
        AvroSerdes.specific(RevocationRequested.class, registry, serdes, false);
    KStream<String, RevocationRequested> requests =
        Decoding.decode(
            builder,
            Topics.REVOCATION_REQUESTS,
            requestSerde.deserializer(),
            Events::checkRevocationRequested,
            "revocation-requests",
            metrics);
    KStream<String, Revocation> revocations =
        Decoding.decodeCompacted(
            builder,
            Topics.REVOCATIONS,
            AvroSerdes.specific(Revocation.class, registry, serdes, false).deserializer(),
            Events::checkRevocation,
            "revocations",
            metrics);
    if (until != null) {
      issued = issued.filter((k, e) -> !e.getOccurredAt().isAfter(until), Named.as("issued-until"));
      used = used.filter((k, e) -> !e.getOccurredAt().isAfter(until), Named.as("used-until"));
      denied = denied.filter((k, e) -> !e.getOccurredAt().isAfter(until), Named.as("denied-until"));
      requests =
          requests.filter((k, e) -> !e.getOccurredAt().isAfter(until), Named.as("requests-until"));
      revocations =
          revocations.filter(
              (k, e) -> !e.getOccurredAt().isAfter(until), Named.as("revocations-until"));
    }

    // tokens
    String[] tokenStores = {TOKEN_WATCH, TOKEN_INCIDENTS};
    issued.process(
        () -> new Processors.TokenIssuedProcessor(settings, alerter, metrics),
        Named.as("token-issued-rules"),
        tokenStores);
    revocations
        .filter(
            (key, revocation) -> revocation.getSelector().getKind() == SelectorKind.TOKEN,
            Named.as("token-revocations"))
        .map(
            (key, revocation) ->
                KeyValue.pair(
                    revocation.getSelector().getValue(),
                    revocation.getEventId() + " " + revocation.getOccurredAt().toEpochMilli()),
            Named.as("key-revocation-by-token-id"))
        .repartition(
            Repartitioned.<String, String>as(TOKEN_REVOCATIONS_REPARTITION)
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String())
                .withNumberOfPartitions(tokenPartitions))
        .process(
            () -> new Processors.TokenRevokedProcessor(settings, alerter, metrics),
            Named.as("token-revoked-rules"),
            tokenStores);
    KStream<String, Object> tokenOutput =
        used.process(
            () -> new Processors.TokenUsedProcessor(settings, alerter, metrics, punctuation),
            Named.as("token-used-rules"),
            TOKEN_WATCH,
            TOKEN_INCIDENTS,
            CLIENT_TALLIES);
    KStream<String, Alert> tokenAlerts = alerts(tokenOutput, "token-alerts");

    // clients
    KStream<String, Signals.ClientSignal> useSignals =
        tokenOutput
            .filter((key, out) -> out instanceof Signals.ClientSignal, Named.as("use-signals"))
            .mapValues(out -> (Signals.ClientSignal) out, Named.as("use-client-signals"));
    KStream<String, Signals.ClientSignal> issueSignals =
        issued.map(
            (key, event) -> {
              Signals.ClientSignal signal = Signals.ClientSignal.of(Events.grant(event));
              return KeyValue.pair(signal.clientId(), signal);
            },
            Named.as("issue-client-signals"));
    KStream<String, Signals.ClientSignal> refusalSignals =
        denied.map(
            (key, event) -> {
              Signals.ClientSignal signal = Signals.ClientSignal.of(Events.refusal(event));
              return KeyValue.pair(signal.clientId(), signal);
            },
            Named.as("refusal-client-signals"));
    KStream<String, Object> clientOutput =
        useSignals
            .merge(issueSignals, Named.as("merge-issue-signals"))
            .merge(refusalSignals, Named.as("merge-refusal-signals"))
            .repartition(
                Repartitioned.<String, Signals.ClientSignal>as(CLIENT_SIGNALS_REPARTITION)
                    .withKeySerde(Serdes.String())
                    .withValueSerde(StateSerdes.clientSignal())
                    .withNumberOfPartitions(tokenPartitions))
            .process(
                () -> new Processors.ClientProcessor(settings, alerter, metrics, punctuation),
                Named.as("client-rules"),
                CLIENT_WATCH,
                NETWORK_WATCH,
                CLIENT_INCIDENTS,
                CLIENT_PROGRESS);
    KStream<String, Alert> clientAlerts = alerts(clientOutput, "client-alerts");

    // grants
    KStream<String, Signals.GrantSignal> grantIssued =
        issued.map(
            (key, event) ->
                KeyValue.pair(
                    event.getGrantId(),
                    new Signals.GrantSignal(
                        Signals.Kind.ISSUED,
                        event.getEventId(),
                        event.getOccurredAt().toEpochMilli(),
                        event.getGrantId(),
                        event.getSubject(),
                        event.getClientId(),
                        event.getTokenId(),
                        event.getExpiresAt().toEpochMilli(),
                        null,
                        null)),
            Named.as("issue-grant-signals"));
    KStream<String, Signals.GrantSignal> reuse =
        requests
            .filter(
                (key, request) ->
                    request.getReason() == RevocationReason.REFRESH_TOKEN_REUSE
                        && request.getSelector().getKind() == SelectorKind.GRANT,
                Named.as("grant-reuse-requests"))
            .map(
                (key, request) ->
                    KeyValue.pair(
                        request.getSelector().getValue(),
                        new Signals.GrantSignal(
                            Signals.Kind.REUSE_REVOKED,
                            request.getEventId(),
                            request.getOccurredAt().toEpochMilli(),
                            request.getSelector().getValue(),
                            null,
                            null,
                            null,
                            0,
                            request.getRequestedBy(),
                            request.getDetail())),
                Named.as("reuse-grant-signals"));
    KStream<String, Object> grantOutput =
        grantIssued
            .merge(reuse, Named.as("merge-reuse-signals"))
            .repartition(
                Repartitioned.<String, Signals.GrantSignal>as(GRANT_SIGNALS_REPARTITION)
                    .withKeySerde(Serdes.String())
                    .withValueSerde(StateSerdes.grantSignal())
                    .withNumberOfPartitions(Topics.REVOCATION_REQUESTS.spec().partitions()))
            .process(
                () -> new Processors.GrantProcessor(settings, alerter, metrics, punctuation),
                Named.as("grant-rules"),
                GRANT_WATCH,
                GRANT_INCIDENTS);
    KStream<String, Alert> grantAlerts = alerts(grantOutput, "grant-alerts");

    KStream<String, Alert> alerts =
        tokenAlerts
            .merge(clientAlerts, Named.as("merge-client-alerts"))
            .merge(grantAlerts, Named.as("merge-grant-alerts"));
    alerts
        .mapValues(AlertRecords::alert, Named.as("security-alerts"))
        .to(
            config.outputTopic(),
            Produced.with(
                    Serdes.String(),
                    AvroSerdes.specific(SecurityAlert.class, registry, serdes, false))
                .withName("alerts-to-topic"));
    if (!mode.replay()) {
      alerts
          .flatMap(
              (key, alert) -> {
                RevocationRequested request = AlertRecords.response(alert);
                io.tokenwatch.anomaly.Target target = alert.autoResponse();
                return request == null || target == null
                    ? List.<KeyValue<String, RevocationRequested>>of()
                    : List.of(KeyValue.pair(AlertRecords.selectorKey(target), request));
              },
              Named.as("auto-responses"))
          .to(
              Topics.REVOCATION_REQUESTS.name(),
              Produced.with(Serdes.String(), requestSerde).withName("responses-to-requests"));
    }
    return builder.build();
  }

  /** The alerts among what a rule processor forwarded. */
  private static KStream<String, Alert> alerts(KStream<String, Object> output, String name) {
    return output
        .filter((key, out) -> out instanceof Alert, Named.as(name))
        .mapValues(out -> (Alert) out, Named.as(name + "-typed"));
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
