package io.tokenwatch.revocation.kafka;

import io.tokenwatch.revocation.RevocationRules;
import io.tokenwatch.schemas.config.ConfigCheck;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.schemas.config.ServiceConfig;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.jspecify.annotations.Nullable;

/**
 * The configuration of the revocation stream. Every key is declared once in {@link #configDef()};
 * the module README's table is generated from it by {@link #markdownTable()}.
 *
 * <p>{@link #of(Map)} reads it the way every service does ({@link ConfigCheck}): every key
 * validated, including the schema-registry keys of {@link SerdeConfig}, every problem reported at
 * once, old key names read with a warning ({@link #deprecatedKeys()}); the introspection secret's
 * hash is never printed. Keys starting with {@value #STREAMS_PREFIX} are passed to Kafka Streams
 * without the prefix (for tuning, e.g. {@code streams.producer.linger.ms}). Immutable and
 * thread-safe.
 */
public final class RevocationStreamConfig extends ServiceConfig {

  public static final String APPLICATION_ID = StreamsConfig.APPLICATION_ID_CONFIG;
  public static final String BOOTSTRAP_SERVERS = StreamsConfig.BOOTSTRAP_SERVERS_CONFIG;
  public static final String SCHEMA_REGISTRY_URL = SerdeConfig.SCHEMA_REGISTRY_URL;
  public static final String STATE_DIR = StreamsConfig.STATE_DIR_CONFIG;
  public static final String COMMIT_INTERVAL_MS = StreamsConfig.COMMIT_INTERVAL_MS_CONFIG;
  public static final String NUM_STREAM_THREADS = StreamsConfig.NUM_STREAM_THREADS_CONFIG;
  public static final String APPLICATION_SERVER = StreamsConfig.APPLICATION_SERVER_CONFIG;
  public static final String MAX_TOKEN_TTL_MS = "revocation.max-token-ttl-ms";
  public static final String CLOCK_SKEW_MS = "revocation.clock-skew-ms";
  public static final String EXPIRY_PUNCTUATION_MS = "revocation.expiry-punctuation-ms";
  public static final String TOMBSTONE_PUNCTUATION_MS = "revocation.tombstone-punctuation-ms";
  public static final String HTTP_HOST = "revocation.http.host";
  public static final String HTTP_PORT = "revocation.http.port";
  public static final String INTROSPECTION_SECRET_SHA256 = "revocation.introspection.secret-sha256";

  /** Prefix of keys passed through to Kafka Streams. */
  public static final String STREAMS_PREFIX = "streams.";

  private static final ConfigDef CONFIG_DEF = buildConfigDef();

  private static final DeprecatedKeys DEPRECATED =
      DeprecatedKeys.builder()
          .renamed("revocation.max-token-ttl.ms", MAX_TOKEN_TTL_MS)
          .renamed("revocation.clock-skew.ms", CLOCK_SKEW_MS)
          .renamed("revocation.expiry-punctuation.ms", EXPIRY_PUNCTUATION_MS)
          .renamed("revocation.tombstone-punctuation.ms", TOMBSTONE_PUNCTUATION_MS)
          .renamed("revocation.introspection.secret.sha256", INTROSPECTION_SECRET_SHA256)
          .build();

  private final Map<String, String> originals;

  private RevocationStreamConfig(ConfigCheck check) {
    super(check, "revocation-stream");
    this.originals = Map.copyOf(check.originals());
  }

  /**
   * Parses and validates a configuration.
   *
   * @throws ConfigException listing every problem found, without secret values
   */
  public static RevocationStreamConfig of(Map<String, ?> configs) {
    return new RevocationStreamConfig(ConfigCheck.of(CONFIG_DEF, DEPRECATED, configs));
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

  /** The revocation rules these settings define. */
  public RevocationRules rules() {
    return new RevocationRules(values.millis(MAX_TOKEN_TTL_MS), values.millis(CLOCK_SKEW_MS));
  }

  /** How often the token registry drops expired tokens and forgotten token revocations. */
  public Duration expiryPunctuation() {
    return values.millis(EXPIRY_PUNCTUATION_MS);
  }

  /** How often forgotten selector revocations are tombstoned. */
  public Duration tombstonePunctuation() {
    return values.millis(TOMBSTONE_PUNCTUATION_MS);
  }

  /** {@value #APPLICATION_ID}. */
  public String applicationId() {
    return values.string(APPLICATION_ID);
  }

  /** {@value #HTTP_HOST}. */
  public String httpHost() {
    return values.string(HTTP_HOST);
  }

  /** {@value #HTTP_PORT}; 0 picks a free port. */
  public int httpPort() {
    return values.intValue(HTTP_PORT);
  }

  /** {@value #APPLICATION_SERVER}, or null when unset. */
  public @Nullable String applicationServer() {
    return values.nonBlank(APPLICATION_SERVER).orElse(null);
  }

  /** The SHA-256 of the introspection bearer secret, or null when introspection is closed. */
  public byte @Nullable [] introspectionSecretSha256() {
    return values
        .password(INTROSPECTION_SECRET_SHA256)
        .map(secret -> HexFormat.of().parseHex(secret.value().toLowerCase(Locale.ROOT)))
        .orElse(null);
  }

  /**
   * The Kafka Streams properties: exactly-once v2, the declared Kafka keys, and every {@value
   * #STREAMS_PREFIX} key without its prefix.
   *
   * @param applicationServer the {@code application.server} to announce, or null for none
   */
  public Properties streamsProperties(@Nullable String applicationServer) {
    Properties props = new Properties();
    props.putAll(ConfigCheck.withoutPrefix(originals, STREAMS_PREFIX));
    props.put(APPLICATION_ID, applicationId());
    props.put(BOOTSTRAP_SERVERS, String.join(",", values.list(BOOTSTRAP_SERVERS)));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(COMMIT_INTERVAL_MS, Long.toString(values.longValue(COMMIT_INTERVAL_MS)));
    props.put(NUM_STREAM_THREADS, Integer.toString(values.intValue(NUM_STREAM_THREADS)));
    // Every store and internal topic is named in the topology; refuse to start if one is not.
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
    values.nonBlank(STATE_DIR).ifPresent(stateDir -> props.put(STATE_DIR, stateDir));
    if (applicationServer != null) {
      props.put(APPLICATION_SERVER, applicationServer);
    }
    return props;
  }

  @Override
  public String toString() {
    return "RevocationStreamConfig" + values; // Password prints as [hidden]
  }

  private static ConfigDef buildConfigDef() {
    return ConfigCheck.defineBrokerAndRegistry(
            new ConfigDef()
                .define(
                    APPLICATION_ID,
                    ConfigDef.Type.STRING,
                    "tokenwatch-revocation-stream",
                    new ConfigDef.NonEmptyString(),
                    Importance.HIGH,
                    "Kafka Streams application id: the consumer group, and the prefix of the internal"
                        + " topics. Every instance of one deployment uses the same id."))
        .define(
            STATE_DIR,
            ConfigDef.Type.STRING,
            "",
            Importance.MEDIUM,
            "Directory of the local state stores; Kafka Streams' default (under the temporary"
                + " directory) when empty. Use a persistent disk so restarts need not restore"
                + " from the changelogs.")
        .define(
            COMMIT_INTERVAL_MS,
            ConfigDef.Type.LONG,
            50L,
            Range.atLeast(1),
            Importance.MEDIUM,
            "How often a transaction commits. Under exactly-once, output (revocations included)"
                + " is visible to read_committed validators only at commit, so this bounds the"
                + " latency each hop adds. 50 ms halves Kafka's exactly-once default of 100 ms for"
                + " about 20 small transactions per second per thread.")
        .define(
            NUM_STREAM_THREADS,
            ConfigDef.Type.INT,
            1,
            Range.atLeast(1),
            Importance.MEDIUM,
            "Stream threads of this instance.")
        .define(
            APPLICATION_SERVER,
            ConfigDef.Type.STRING,
            "",
            Importance.MEDIUM,
            "host:port other instances use to reach this instance's HTTP server, for routing"
                + " introspection to the instance owning a token; derived from revocation.http.host and the"
                + " bound port when empty.")
        .define(
            MAX_TOKEN_TTL_MS,
            ConfigDef.Type.LONG,
            Duration.ofHours(24).toMillis(),
            Range.atLeast(1),
            Importance.HIGH,
            "The longest lifetime the issuer gives any token. Bounds when a revocation may be"
                + " forgotten: a watermark is kept for this long after it, a revocation of an"
                + " unknown token for this long after the request.")
        .define(
            CLOCK_SKEW_MS,
            ConfigDef.Type.LONG,
            Duration.ofMinutes(1).toMillis(),
            Range.atLeast(0),
            Importance.MEDIUM,
            "Largest clock difference tolerated between issuer, validators and this stream;"
                + " added to every forget time and to token expiry in the registry.")
        .define(
            EXPIRY_PUNCTUATION_MS,
            ConfigDef.Type.LONG,
            Duration.ofSeconds(10).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "How often (wall clock) expired tokens, their counts and their revocations are"
                + " dropped.")
        .define(
            TOMBSTONE_PUNCTUATION_MS,
            ConfigDef.Type.LONG,
            Duration.ofSeconds(30).toMillis(),
            Range.atLeast(1),
            Importance.LOW,
            "How often (wall clock) forgotten selector revocations are tombstoned on the feed.")
        .define(
            HTTP_HOST,
            ConfigDef.Type.STRING,
            "localhost",
            ConfigValidators.nonBlank(),
            Importance.MEDIUM,
            "Interface the HTTP server (introspection, health, metrics) binds to.")
        .define(
            HTTP_PORT,
            ConfigDef.Type.INT,
            8092,
            ConfigValidators.port(),
            Importance.MEDIUM,
            "Port of the HTTP server; 0 picks a free port.")
        .define(
            INTROSPECTION_SECRET_SHA256,
            ConfigDef.Type.PASSWORD,
            null,
            ConfigValidators.sha256HexSecret(),
            Importance.HIGH,
            "SHA-256 (64 hex digits) of the bearer secret introspection callers present. Unset:"
                + " every introspection request is refused. Never logged.");
  }
}
