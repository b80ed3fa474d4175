package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.AutoResponsePolicy;
import io.tokenwatch.anomaly.DetectionSettings;
import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.Severity;
import io.tokenwatch.anomaly.ValidatorThresholds;
import io.tokenwatch.schemas.config.ConfigCheck;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.ConfigValues;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.schemas.config.ServiceConfig;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The configuration of the anomaly detector. Every key is declared once in {@link #configDef()};
 * the module README's table is generated from it by {@link #markdownTable()}. Thresholds and
 * windows are in event time.
 *
 * <p>{@link #of(Map)} reads it the way every service does ({@link ConfigCheck}): every key
 * validated, including the schema-registry keys of {@link SerdeConfig}, every problem reported at
 * once, old key names read with a warning ({@link #deprecatedKeys()}). Keys starting with {@value
 * #STREAMS_PREFIX} are passed to Kafka Streams without the prefix. Immutable and thread-safe.
 */
public final class AnomalyDetectorConfig extends ServiceConfig {

  public static final String APPLICATION_ID = StreamsConfig.APPLICATION_ID_CONFIG;
  public static final String BOOTSTRAP_SERVERS = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
  public static final String SCHEMA_REGISTRY_URL = SerdeConfig.SCHEMA_REGISTRY_URL;
  public static final String STATE_DIR = StreamsConfig.STATE_DIR_CONFIG;
  public static final String COMMIT_INTERVAL_MS = StreamsConfig.COMMIT_INTERVAL_MS_CONFIG;
  public static final String NUM_STREAM_THREADS = StreamsConfig.NUM_STREAM_THREADS_CONFIG;
  public static final String HTTP_HOST = "anomaly.http.host";
  public static final String HTTP_PORT = "anomaly.http.port";
  public static final String OUTPUT_TOPIC = "anomaly.output.topic";
  public static final String SUPPRESSION_MS = "anomaly.suppression-ms";
  public static final String INSUFFICIENT_SCOPE_COUNT =
      "anomaly.scope-escalation.insufficient-scope-count";
  public static final String REFUSALS_COUNT = "anomaly.scope-escalation.refusals-count";
  public static final String SCOPE_WINDOW_MS = "anomaly.scope-escalation.window-ms";
  public static final String SCOPE_LEARNING_MS = "anomaly.scope-escalation.baseline.learning-ms";
  public static final String SCOPE_RETENTION_MS = "anomaly.scope-escalation.baseline.retention-ms";
  public static final String NETWORK_LEARNING_MS = "anomaly.unfamiliar-client.network.learning-ms";
  public static final String NETWORK_RETENTION_MS =
      "anomaly.unfamiliar-client.network.retention-ms";
  public static final String IPV4_PREFIX = "anomaly.unfamiliar-client.ipv4-prefix";
  public static final String IPV6_PREFIX = "anomaly.unfamiliar-client.ipv6-prefix";
  public static final String REPLAY_COUNT = "anomaly.replay-after-revocation.count";
  public static final String REPLAY_GRACE_MS = "anomaly.replay-after-revocation.grace-ms";
  public static final String EXPIRED_COUNT = "anomaly.use-after-expiry.count";
  public static final String EXPIRED_WINDOW_MS = "anomaly.use-after-expiry.window-ms";
  public static final String SPREAD_DISTINCT = "anomaly.token-spread.distinct";
  public static final String SPREAD_MAX_LEARNED = "anomaly.token-spread.max-learned";
  public static final String NETWORK_CONFIRM_MS = "anomaly.unfamiliar-client.network.confirm-ms";
  public static final String NETWORK_CONFIRM_SOURCES =
      "anomaly.unfamiliar-client.network.confirm-sources";
  public static final String SPREAD_WINDOW_MS = "anomaly.token-spread.window-ms";
  public static final String SPIKE_BUCKET_MS = "anomaly.usage-spike.bucket-ms";
  public static final String SPIKE_FACTOR = "anomaly.usage-spike.factor";
  public static final String SPIKE_MIN_COUNT = "anomaly.usage-spike.min-count";
  public static final String SPIKE_MIN_HISTORY = "anomaly.usage-spike.min-history-buckets";
  public static final String SPIKE_TALLY_USES = "anomaly.usage-spike.tally-uses";
  public static final String SPIKE_TALLY_MS = "anomaly.usage-spike.tally-ms";
  public static final String OVERSHOOT_MIN = "anomaly.max-use-overshoot.min";
  public static final String VALIDATOR_SILENT_AFTER_MS = "anomaly.validator.silent-after-ms";
  public static final String VALIDATOR_MAX_STALENESS_MS = "anomaly.validator.max-staleness-ms";
  public static final String VALIDATOR_FORGET_AFTER_MS = "anomaly.validator.forget-after-ms";
  public static final String VALIDATOR_CHECK_INTERVAL_MS = "anomaly.validator.check-interval-ms";
  public static final String TOKEN_RETENTION_MS = "anomaly.token.retention-ms";
  public static final String MAX_TOKEN_TTL_MS = "anomaly.max-token-ttl-ms";
  public static final String PUNCTUATION_MS = "anomaly.state.punctuation-ms";
  public static final String ALLOWED_LATENESS_MS = "anomaly.allowed-lateness-ms";
  public static final String IDLE_SOURCE_MS = "anomaly.idle-source-ms";
  public static final String IN_MEMORY_STATE = "anomaly.state.in-memory";
  public static final String AUTO_RESPONSE_RULES = "anomaly.auto-response.rules";
  public static final String AUTO_RESPONSE_MIN_SEVERITY = "anomaly.auto-response.min-severity";

  /** Prefix of keys passed through to Kafka Streams. */
  public static final String STREAMS_PREFIX = "streams.";

  private static final Map<Rule, Severity> DEFAULT_SEVERITIES = defaultSeverities();
  private static final ConfigDef CONFIG_DEF = buildConfigDef();

  private static final DeprecatedKeys DEPRECATED =
      DeprecatedKeys.builder()
          .renamed("anomaly.suppression.ms", SUPPRESSION_MS)
          .renamed("anomaly.scope-escalation.insufficient-scope.count", INSUFFICIENT_SCOPE_COUNT)
          .renamed("anomaly.scope-escalation.refusals.count", REFUSALS_COUNT)
          .renamed("anomaly.scope-escalation.window.ms", SCOPE_WINDOW_MS)
          .renamed("anomaly.scope-escalation.baseline.learning.ms", SCOPE_LEARNING_MS)
          .renamed("anomaly.scope-escalation.baseline.retention.ms", SCOPE_RETENTION_MS)
          .renamed("anomaly.unfamiliar-client.network.learning.ms", NETWORK_LEARNING_MS)
          .renamed("anomaly.unfamiliar-client.network.retention.ms", NETWORK_RETENTION_MS)
          .renamed("anomaly.replay-after-revocation.grace.ms", REPLAY_GRACE_MS)
          .renamed("anomaly.use-after-expiry.window.ms", EXPIRED_WINDOW_MS)
          .renamed("anomaly.token-spread.window.ms", SPREAD_WINDOW_MS)
          .renamed("anomaly.usage-spike.bucket.ms", SPIKE_BUCKET_MS)
          .renamed("anomaly.usage-spike.tally.uses", SPIKE_TALLY_USES)
          .renamed("anomaly.usage-spike.tally.ms", SPIKE_TALLY_MS)
          .renamed("anomaly.token.retention.ms", TOKEN_RETENTION_MS)
          .renamed("anomaly.max-token-ttl.ms", MAX_TOKEN_TTL_MS)
          .renamed("anomaly.state.punctuation.ms", PUNCTUATION_MS)
          .build();

  private final Map<String, String> originals;
  private final DetectionSettings settings;

  private AnomalyDetectorConfig(ConfigCheck check) {
    super(check, "anomaly-detector");
    this.originals = Map.copyOf(check.originals());
    this.settings = settings(values);
  }

  /** The key of {@code rule}'s severity, e.g. {@code anomaly.token-spread.severity}. */
  public static String severityKey(Rule rule) {
    return "anomaly." + rule.configName() + ".severity";
  }

  /**
   * Parses and validates a configuration.
   *
   * @throws ConfigException listing every problem found
   */
  public static AnomalyDetectorConfig of(Map<String, ?> configs) {
    ConfigCheck check = ConfigCheck.of(CONFIG_DEF, DEPRECATED, configs);
    if (check.declaredValid()) {
      try {
        settings(check.values());
        validatorThresholds(check.values());
      } catch (IllegalArgumentException e) {
        check.problem(String.valueOf(e.getMessage()));
      }
    }
    return new AnomalyDetectorConfig(check);
  }

  /** The old names of renamed keys, each still read as its new one. */
  public static DeprecatedKeys deprecatedKeys() {
    return DEPRECATED;
  }

  /** The declaration of every key. */
  public static ConfigDef configDef() {
    return new ConfigDef(CONFIG_DEF);
  }

  /** The configuration table as GitHub-flavoured Markdown, one row per key in declaration order. */
  public static String markdownTable() {
    return ConfigTables.markdown(CONFIG_DEF);
  }

  /** The rules' thresholds. */
  public DetectionSettings settings() {
    return settings;
  }

  private static DetectionSettings settings(ConfigValues values) {
    Map<Rule, Severity> severities = new EnumMap<>(Rule.class);
    for (Rule rule : Rule.values()) {
      severities.put(
          rule, Severity.valueOf(values.string(severityKey(rule)).toUpperCase(Locale.ROOT)));
    }
    return new DetectionSettings(
        severities,
        values.millis(SUPPRESSION_MS),
        values.intValue(INSUFFICIENT_SCOPE_COUNT),
        values.millis(SCOPE_WINDOW_MS),
        values.intValue(REFUSALS_COUNT),
        values.millis(SCOPE_LEARNING_MS),
        values.millis(SCOPE_RETENTION_MS),
        values.millis(NETWORK_LEARNING_MS),
        values.millis(NETWORK_RETENTION_MS),
        values.intValue(IPV4_PREFIX),
        values.intValue(IPV6_PREFIX),
        values.intValue(REPLAY_COUNT),
        values.millis(REPLAY_GRACE_MS),
        values.intValue(EXPIRED_COUNT),
        values.millis(EXPIRED_WINDOW_MS),
        values.intValue(SPREAD_DISTINCT),
        values.millis(SPREAD_WINDOW_MS),
        values.millis(SPIKE_BUCKET_MS),
        values.doubleValue(SPIKE_FACTOR),
        values.longValue(SPIKE_MIN_COUNT),
        values.intValue(SPIKE_MIN_HISTORY),
        values.intValue(SPIKE_TALLY_USES),
        values.millis(SPIKE_TALLY_MS),
        values.intValue(OVERSHOOT_MIN),
        values.millis(TOKEN_RETENTION_MS),
        values.millis(MAX_TOKEN_TTL_MS),
        values.intValue(SPREAD_MAX_LEARNED),
        values.millis(NETWORK_CONFIRM_MS),
        values.intValue(NETWORK_CONFIRM_SOURCES));
  }

  /** Which alerts revoke automatically; {@link AutoResponsePolicy#OFF} unless opted in. */
  public AutoResponsePolicy autoResponse() {
    Set<Rule> rules = EnumSet.noneOf(Rule.class);
    for (String rule : values.list(AUTO_RESPONSE_RULES)) {
      if (!rule.isBlank()) {
        rules.add(Rule.valueOf(rule.trim().toUpperCase(Locale.ROOT)));
      }
    }
    return new AutoResponsePolicy(
        rules,
        Severity.valueOf(values.string(AUTO_RESPONSE_MIN_SEVERITY).toUpperCase(Locale.ROOT)));
  }

  /** The thresholds of the validator rules. */
  public ValidatorThresholds validatorThresholds() {
    return validatorThresholds(values);
  }

  private static ValidatorThresholds validatorThresholds(ConfigValues values) {
    return new ValidatorThresholds(
        values.millis(VALIDATOR_SILENT_AFTER_MS),
        values.millis(VALIDATOR_MAX_STALENESS_MS),
        values.millis(VALIDATOR_FORGET_AFTER_MS),
        values.millis(VALIDATOR_CHECK_INTERVAL_MS));
  }

  /** How often (stream time) expired state is dropped. */
  public Duration punctuation() {
    return values.millis(PUNCTUATION_MS);
  }

  /** {@value #ALLOWED_LATENESS_MS}. */
  public Duration allowedLateness() {
    return values.millis(ALLOWED_LATENESS_MS);
  }

  /** {@value #IDLE_SOURCE_MS}. */
  public Duration idleSource() {
    return values.millis(IDLE_SOURCE_MS);
  }

  /** Whether the state stores live in memory rather than in RocksDB. */
  public boolean inMemoryState() {
    return values.bool(IN_MEMORY_STATE);
  }

  /** Where alerts go. */
  public String outputTopic() {
    return values.string(OUTPUT_TOPIC);
  }

  /** {@value #APPLICATION_ID}. */
  public String applicationId() {
    return values.string(APPLICATION_ID);
  }

  /** {@value #BOOTSTRAP_SERVERS}, comma-separated. */
  public String bootstrapServers() {
    return String.join(",", values.list(BOOTSTRAP_SERVERS));
  }

  /** {@value #HTTP_HOST}. */
  public String httpHost() {
    return values.string(HTTP_HOST);
  }

  /** {@value #HTTP_PORT}; 0 picks a free port. */
  public int httpPort() {
    return values.intValue(HTTP_PORT);
  }

  /** The settings as given, for deriving another configuration (e.g. a replay's). */
  public Map<String, String> originals() {
    return originals;
  }

  /**
   * The Kafka Streams properties: exactly-once v2, the declared Kafka keys, and every {@value
   * #STREAMS_PREFIX} key without its prefix.
   */
  public Properties streamsProperties() {
    Properties props = new Properties();
    props.putAll(ConfigCheck.withoutPrefix(originals, STREAMS_PREFIX));
    props.put(APPLICATION_ID, applicationId());
    props.put(BOOTSTRAP_SERVERS, bootstrapServers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(COMMIT_INTERVAL_MS, Long.toString(values.longValue(COMMIT_INTERVAL_MS)));
    props.put(NUM_STREAM_THREADS, Integer.toString(values.intValue(NUM_STREAM_THREADS)));
    // Every store and internal topic is named in the topology; refuse to start if one is not.
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
    values.nonBlank(STATE_DIR).ifPresent(stateDir -> props.put(STATE_DIR, stateDir));
    return props;
  }

  @Override
  public String toString() {
    return "AnomalyDetectorConfig" + values;
  }

  private static Map<Rule, Severity> defaultSeverities() {
    Map<Rule, Severity> defaults = new EnumMap<>(Rule.class);
    defaults.put(Rule.SCOPE_ESCALATION, Severity.HIGH);
    defaults.put(Rule.UNFAMILIAR_CLIENT, Severity.HIGH);
    defaults.put(Rule.REPLAY_AFTER_REVOCATION, Severity.CRITICAL);
    defaults.put(Rule.USE_AFTER_EXPIRY, Severity.MEDIUM);
    defaults.put(Rule.TOKEN_SPREAD, Severity.HIGH);
    defaults.put(Rule.USAGE_SPIKE, Severity.MEDIUM);
    defaults.put(Rule.REFRESH_TOKEN_REUSE, Severity.CRITICAL);
    defaults.put(Rule.MAX_USE_OVERSHOOT, Severity.LOW);
    defaults.put(Rule.VALIDATOR_SILENT, Severity.HIGH);
    defaults.put(Rule.VALIDATOR_STALE, Severity.HIGH);
    return defaults;
  }

  private static ConfigDef buildConfigDef() {
    String[] severityNames =
        Arrays.stream(Severity.values()).map(Severity::name).toArray(String[]::new);
    ConfigDef def =
        ConfigCheck.defineBrokerAndRegistry(
                new ConfigDef()
                    .define(
                        APPLICATION_ID,
                        ConfigDef.Type.STRING,
                        "tokenwatch-anomaly-detector",
                        ConfigValidators.nonBlank(),
                        Importance.HIGH,
                        "Kafka Streams application id: the consumer group, and the prefix of the internal"
                            + " topics. A replay runs under its own id."))
            .define(
                STATE_DIR,
                ConfigDef.Type.STRING,
                "",
                Importance.MEDIUM,
                "Directory of the local state stores; Kafka Streams' default when empty.")
            .define(
                COMMIT_INTERVAL_MS,
                ConfigDef.Type.LONG,
                50L,
                Range.atLeast(1),
                Importance.MEDIUM,
                "How often a transaction commits; under exactly-once an alert is visible to"
                    + " read_committed consumers only at commit, so this bounds detection latency.")
            .define(
                NUM_STREAM_THREADS,
                ConfigDef.Type.INT,
                1,
                Range.atLeast(1),
                Importance.MEDIUM,
                "Stream threads of this instance.")
            .define(
                HTTP_HOST,
                ConfigDef.Type.STRING,
                "localhost",
                ConfigValidators.nonBlank(),
                Importance.MEDIUM,
                "Interface the HTTP server (health, readiness, metrics) binds to.")
            .define(
                HTTP_PORT,
                ConfigDef.Type.INT,
                8094,
                ConfigValidators.port(),
                Importance.MEDIUM,
                "Port of the HTTP server; 0 picks a free port.")
            .define(
                OUTPUT_TOPIC,
                ConfigDef.Type.STRING,
                Topics.SECURITY_ALERTS.name(),
                ConfigValidators.nonBlank(),
                Importance.MEDIUM,
                "Topic the alerts go to; a replay writes to its own.")
            .define(
                SUPPRESSION_MS,
                ConfigDef.Type.LONG,
                Duration.ofHours(1).toMillis(),
                Range.atLeast(1),
                Importance.HIGH,
                "An incident (rule and what it fired on) alerts once; its later findings, while"
                    + " they come less than this apart in event time, update it (same alert_id, next"
                    + " revision) when they cover something new and are suppressed otherwise.");
    for (Rule rule : Rule.values()) {
      def.define(
          severityKey(rule),
          ConfigDef.Type.STRING,
          requireNonNull(DEFAULT_SEVERITIES.get(rule), rule::name).name(),
          ConfigDef.CaseInsensitiveValidString.in(severityNames),
          Importance.MEDIUM,
          "Severity of " + rule.name() + " alerts.");
    }
    return def.define(
            INSUFFICIENT_SCOPE_COUNT,
            ConfigDef.Type.INT,
            3,
            Range.atLeast(1),
            Importance.HIGH,
            "SCOPE_ESCALATION: insufficient-scope denials of one token within the window that fire"
                + " when they ask for at least two different missing scope sets (probing); three"
                + " times as many fire for a single one (a misrouted call repeats one).")
        .define(
            REFUSALS_COUNT,
            ConfigDef.Type.INT,
            3,
            Range.atLeast(1),
            Importance.HIGH,
            "SCOPE_ESCALATION: issuance refusals of one client and subject for scopes beyond policy"
                + " within the window that fire. A refresh or token exchange asking more than its parent fires"
                + " at once.")
        .define(
            SCOPE_WINDOW_MS,
            ConfigDef.Type.LONG,
            Duration.ofMinutes(10).toMillis(),
            Range.atLeast(1),
            Importance.MEDIUM,
            "SCOPE_ESCALATION: the window of the two counts above.")
        .define(
            SCOPE_LEARNING_MS,
            ConfigDef.Type.LONG,
            Duration.ofDays(1).toMillis(),
            Range.atLeast(0),
            Importance.MEDIUM,
            "SCOPE_ESCALATION: how long a client's granted scopes are learned before a token"
                + " granted a scope outside them fires.")
        .define(
            SCOPE_RETENTION_MS,
            ConfigDef.Type.LONG,
            Duration.ofDays(7).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "SCOPE_ESCALATION: a scope not granted to the client for this long leaves its"
                + " baseline.")
        .define(
            NETWORK_LEARNING_MS,
            ConfigDef.Type.LONG,
            Duration.ofDays(1).toMillis(),
            Range.atLeast(0),
            Importance.MEDIUM,
            "UNFAMILIAR_CLIENT: how long the source networks of a client and subject are learned"
                + " before a use from a new one fires.")
        .define(
            NETWORK_RETENTION_MS,
            ConfigDef.Type.LONG,
            Duration.ofDays(30).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "UNFAMILIAR_CLIENT: a network not seen for this long is forgotten.")
        .define(
            NETWORK_CONFIRM_MS,
            ConfigDef.Type.LONG,
            Duration.ofMinutes(5).toMillis(),
            Range.atLeast(0),
            Importance.MEDIUM,
            "UNFAMILIAR_CLIENT: a network new for a client and subject is watched this long (event"
                + " time) before it alerts, and alerts only if it did not prove to be the client's"
                + " own meanwhile (see confirm-sources); 0 alerts at once.")
        .define(
            NETWORK_CONFIRM_SOURCES,
            ConfigDef.Type.INT,
            3,
            Range.atLeast(2),
            Importance.MEDIUM,
            "UNFAMILIAR_CLIENT: a network that serves this many distinct subjects or source"
                + " addresses of a client within confirm-ms of its first use (a deploy, a new node"
                + " pool), or this many distinct subjects within the network retention (an"
                + " office's egress, a carrier's CGNAT range), is the client's own: no alert for"
                + " any of its subjects.")
        .define(
            IPV4_PREFIX,
            ConfigDef.Type.INT,
            24,
            Range.between(0, 32),
            Importance.LOW,
            "UNFAMILIAR_CLIENT: IPv4 prefix length grouping sources into one network.")
        .define(
            IPV6_PREFIX,
            ConfigDef.Type.INT,
            48,
            Range.between(0, 128),
            Importance.LOW,
            "UNFAMILIAR_CLIENT: IPv6 prefix length grouping sources into one network.")
        .define(
            REPLAY_COUNT,
            ConfigDef.Type.INT,
            1,
            Range.atLeast(1),
            Importance.HIGH,
            "REPLAY_AFTER_REVOCATION: uses of a revoked token (denied as revoked, or accepted after"
                + " its revocation plus the grace) that fire.")
        .define(
            REPLAY_GRACE_MS,
            ConfigDef.Type.LONG,
            5_000L,
            Range.atLeast(0),
            Importance.MEDIUM,
            "REPLAY_AFTER_REVOCATION: uses accepted this soon after the revocation are propagation,"
                + " not replay.")
        .define(
            EXPIRED_COUNT,
            ConfigDef.Type.INT,
            5,
            Range.atLeast(1),
            Importance.HIGH,
            "USE_AFTER_EXPIRY: expired presentations of one token within the window that fire.")
        .define(
            EXPIRED_WINDOW_MS,
            ConfigDef.Type.LONG,
            Duration.ofMinutes(5).toMillis(),
            Range.atLeast(1),
            Importance.MEDIUM,
            "USE_AFTER_EXPIRY: the window of the count above.")
        .define(
            SPREAD_DISTINCT,
            ConfigDef.Type.INT,
            3,
            Range.atLeast(2),
            Importance.HIGH,
            "TOKEN_SPREAD: distinct source networks (grouped by the unfamiliar-client prefixes) or"
                + " binding keys of one token within the window that fire. Replicas sharing a"
                + " token inside their network count once; a token presented with the key it is"
                + " bound to (DPoP, mTLS) never spreads.")
        .define(
            SPREAD_MAX_LEARNED,
            ConfigDef.Type.INT,
            8,
            Range.atLeast(2),
            Importance.MEDIUM,
            "TOKEN_SPREAD: a client whose tokens are normally used from more networks than the"
                + " count above (learned during the network learning period, per partition) fires"
                + " only above its usual number, but never needs more than this.")
        .define(
            SPREAD_WINDOW_MS,
            ConfigDef.Type.LONG,
            Duration.ofMinutes(10).toMillis(),
            Range.atLeast(1),
            Importance.MEDIUM,
            "TOKEN_SPREAD: the window of the count above.")
        .define(
            SPIKE_BUCKET_MS,
            ConfigDef.Type.LONG,
            Duration.ofMinutes(1).toMillis(),
            Range.atLeast(1),
            Importance.MEDIUM,
            "USAGE_SPIKE: a client's uses are counted per bucket of this length.")
        .define(
            SPIKE_FACTOR,
            ConfigDef.Type.DOUBLE,
            10.0,
            Range.atLeast(1.01),
            Importance.HIGH,
            "USAGE_SPIKE: fires when a bucket reaches this multiple of the client's baseline (the"
                + " mean of its previous min-history-buckets buckets)...")
        .define(
            SPIKE_MIN_COUNT,
            ConfigDef.Type.LONG,
            100L,
            Range.atLeast(1),
            Importance.HIGH,
            "USAGE_SPIKE: ...and at least this many uses.")
        .define(
            SPIKE_MIN_HISTORY,
            ConfigDef.Type.INT,
            30,
            Range.atLeast(1),
            Importance.MEDIUM,
            "USAGE_SPIKE: the buckets the baseline averages; a client needs this much history"
                + " before it can spike.")
        .define(
            SPIKE_TALLY_USES,
            ConfigDef.Type.INT,
            64,
            Range.between(1, 1_000_000),
            Importance.LOW,
            "USAGE_SPIKE: uses are counted per client on each partition of the use topic and"
                + " handed to the per-client rule in tallies of at most this many uses...")
        .define(
            SPIKE_TALLY_MS,
            ConfigDef.Type.LONG,
            Duration.ofSeconds(1).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "USAGE_SPIKE: ...or spanning at most this much event time, so a spike is seen at"
                + " most this late (or that many uses late).")
        .define(
            OVERSHOOT_MIN,
            ConfigDef.Type.INT,
            1,
            Range.atLeast(1),
            Importance.MEDIUM,
            "MAX_USE_OVERSHOOT: accepted uses beyond max_uses that fire.")
        .define(
            VALIDATOR_SILENT_AFTER_MS,
            ConfigDef.Type.LONG,
            0L,
            Range.atLeast(0),
            Importance.MEDIUM,
            "VALIDATOR_SILENT: a validator that sent no status report for this long (the"
                + " detector's wall clock) is silent. 0: three of the validator's own reporting"
                + " intervals (its reports' interval_ms), at least 15 s.")
        .define(
            VALIDATOR_MAX_STALENESS_MS,
            ConfigDef.Type.LONG,
            Duration.ofSeconds(30).toMillis(),
            Range.atLeast(1),
            Importance.MEDIUM,
            "VALIDATOR_STALE: a validator whose report says its revocation feed is not ready, or"
                + " was last caught up longer ago than this, is stale. The default is the"
                + " validators' own default staleness budget (validator.revocation.max-staleness),"
                + " beyond which they deny FEED_STALE.")
        .define(
            VALIDATOR_FORGET_AFTER_MS,
            ConfigDef.Type.LONG,
            Duration.ofDays(1).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "What the detector knows of a validator silent this long is dropped (a validator"
                + " taken out of service); its reports have left tokenwatch.validator-status by"
                + " then too. Must exceed the silence threshold.")
        .define(
            VALIDATOR_CHECK_INTERVAL_MS,
            ConfigDef.Type.LONG,
            Duration.ofSeconds(1).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "How often (wall clock) the detector looks for silent validators; a silent one is"
                + " seen at most this late.")
        .define(
            TOKEN_RETENTION_MS,
            ConfigDef.Type.LONG,
            Duration.ofHours(1).toMillis(),
            Range.atLeast(0),
            Importance.LOW,
            "Per-token state is kept this long after the token expires (to see replays and"
                + " expired presentations).")
        .define(
            MAX_TOKEN_TTL_MS,
            ConfigDef.Type.LONG,
            Duration.ofHours(24).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "State of a token or grant whose issuance was not seen is kept this long after its"
                + " last event.")
        .define(
            PUNCTUATION_MS,
            ConfigDef.Type.LONG,
            Duration.ofMinutes(1).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "How often, in stream time, expired state is dropped. Rules ignore expired state"
                + " whenever it is dropped, so this changes no alert.")
        .define(
            ALLOWED_LATENESS_MS,
            ConfigDef.Type.LONG,
            Duration.ofSeconds(5).toMillis(),
            Range.atLeast(0),
            Importance.MEDIUM,
            "The per-client rules (USAGE_SPIKE, SCOPE_ESCALATION from issuances and refusals,"
                + " UNFAMILIAR_CLIENT by network) apply their events in event-time order once every"
                + " partition of token-used, token-issued and issuance-denied has passed them. An"
                + " event older than the newest of its partition by more than this is late: the"
                + " per-token rules see it, the per-client rules do not (metric"
                + " tokenwatch.anomaly.late.signals). Also how long those alerts wait at least.")
        .define(
            IDLE_SOURCE_MS,
            ConfigDef.Type.LONG,
            Duration.ofSeconds(30).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "Live: a partition of those inputs without a record for this long (wall clock) stops"
                + " holding the per-client rules back: it is taken to have passed the wall clock"
                + " less this and the allowed lateness, and what comes later than that on it is"
                + " late. A replay never reads the wall clock: it ends each input instead.")
        .define(
            IN_MEMORY_STATE,
            ConfigDef.Type.BOOLEAN,
            false,
            Importance.LOW,
            "Keep the state stores in memory instead of RocksDB: faster, but bounded by the heap"
                + " and restored from the changelogs at every start.")
        .define(
            AUTO_RESPONSE_RULES,
            ConfigDef.Type.LIST,
            "",
            ConfigDef.LambdaValidator.with(
                (name, value) -> {
                  if (value instanceof List<?> rules) {
                    for (Object rule : rules) {
                      String text = String.valueOf(rule).trim();
                      if (!text.isEmpty()
                          && Arrays.stream(Rule.values())
                              .noneMatch(r -> r.name().equalsIgnoreCase(text))) {
                        throw new ConfigException(name, value, "unknown rule " + text);
                      }
                      if (Arrays.stream(Rule.values())
                          .anyMatch(
                              r -> r.watchesValidators() && r.name().equalsIgnoreCase(text))) {
                        throw new ConfigException(
                            name,
                            value,
                            text + " fires on a validator: there is nothing to revoke");
                      }
                    }
                  }
                },
                () -> "comma-separated rule ids"),
            Importance.HIGH,
            "Rules whose alerts revoke automatically (a RevocationRequested with reason"
                + " ANOMALY_AUTO_RESPONSE, requested_by naming the rule). Empty: none, the"
                + " default. Never in a replay.")
        .define(
            AUTO_RESPONSE_MIN_SEVERITY,
            ConfigDef.Type.STRING,
            Severity.CRITICAL.name(),
            ConfigDef.CaseInsensitiveValidString.in(severityNames),
            Importance.HIGH,
            "Auto-response also needs the alert to be of at least this severity.");
  }
}
