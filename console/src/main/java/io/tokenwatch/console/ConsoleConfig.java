package io.tokenwatch.console;

import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.schemas.config.ConfigCheck;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.schemas.config.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigException;

/**
 * The configuration of the console. Every key is declared once in {@link #configDef()} (the {@code
 * people.*} login keys by {@link PeopleConfig}, shared with the issuer); the module README's table
 * is generated from it by {@link #markdownTable()}. Keys starting with {@value #KAFKA_PREFIX} go to
 * every Kafka client without the prefix. Immutable and thread-safe.
 */
public final class ConsoleConfig extends ServiceConfig {

  public static final String BOOTSTRAP_SERVERS = ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG;
  public static final String HTTP_HOST = "console.http.host";
  public static final String HTTP_PORT = "console.http.port";
  public static final String PUBLIC_URL = "console.public-url";
  public static final String ISSUER_URL = "console.issuer-url";
  public static final String AUDIT_URL = "console.audit-url";
  public static final String ASSERTION_SECRET_FILE = "console.assertion-secret-file";
  public static final String CLIENT_ID = "console.client-id";
  public static final String CLIENT_SECRET_FILE = "console.client-secret-file";
  public static final String DETECTOR_GROUP = "console.lag.detector-group";
  public static final String AUDIT_SINK_GROUP = "console.lag.audit-sink-group";
  public static final String FLEET_MAX_STALENESS = "console.fleet.max-staleness";

  /** Prefix of settings for every Kafka client of the console, e.g. its security settings. */
  public static final String KAFKA_PREFIX = "kafka.";

  private static final ConfigDef CONFIG_DEF = buildConfigDef();
  private static final DeprecatedKeys DEPRECATED = DeprecatedKeys.builder().build();

  private final Map<String, String> originals;
  private final PeopleConfig people;

  private ConsoleConfig(ConfigCheck check) {
    super(check, "console");
    this.originals = Map.copyOf(check.originals());
    this.people = PeopleConfig.from(values);
  }

  /**
   * Parses and validates a configuration.
   *
   * @throws ConfigException listing every problem found
   */
  public static ConsoleConfig of(Map<String, ?> configs) {
    return new ConsoleConfig(ConfigCheck.of(CONFIG_DEF, DEPRECATED, configs));
  }

  /** The old names of renamed keys (none yet). */
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

  /** {@value #HTTP_HOST}. */
  public String httpHost() {
    return values.string(HTTP_HOST);
  }

  /** {@value #HTTP_PORT}; 0 picks a free port. */
  public int httpPort() {
    return values.intValue(HTTP_PORT);
  }

  /**
   * {@value #PUBLIC_URL}, or empty: then {@code http://localhost:<port>} once the port is known.
   */
  public Optional<String> publicUrl() {
    return values.nonBlank(PUBLIC_URL).map(ConsoleConfig::stripSlash);
  }

  /** {@value #ISSUER_URL}. */
  public String issuerUrl() {
    return stripSlash(values.string(ISSUER_URL));
  }

  /** {@value #AUDIT_URL}. */
  public String auditUrl() {
    return stripSlash(values.string(AUDIT_URL));
  }

  /** {@value #ASSERTION_SECRET_FILE}, or empty when the console may not act at the issuer. */
  public Optional<Path> assertionSecretFile() {
    return values.nonBlank(ASSERTION_SECRET_FILE).map(Path::of);
  }

  /** {@value #CLIENT_ID}. */
  public String clientId() {
    return values.string(CLIENT_ID);
  }

  /** {@value #CLIENT_SECRET_FILE}, or empty when the console reads no audit history. */
  public Optional<Path> clientSecretFile() {
    return values.nonBlank(CLIENT_SECRET_FILE).map(Path::of);
  }

  /** {@value #DETECTOR_GROUP}. */
  public String detectorGroup() {
    return values.string(DETECTOR_GROUP);
  }

  /** {@value #AUDIT_SINK_GROUP}. */
  public String auditSinkGroup() {
    return values.string(AUDIT_SINK_GROUP);
  }

  /** {@value #FLEET_MAX_STALENESS}. */
  public Duration fleetMaxStaleness() {
    return values.duration(FLEET_MAX_STALENESS);
  }

  /** How people log in. */
  public PeopleConfig people() {
    return people;
  }

  /** The brokers. */
  public List<String> bootstrapServers() {
    return values.list(BOOTSTRAP_SERVERS);
  }

  /**
   * The settings every Kafka client of the console starts from: the brokers and every {@value
   * #KAFKA_PREFIX} key unprefixed.
   */
  public Map<String, Object> kafkaClientConfig() {
    Map<String, Object> config = new HashMap<>(ConfigCheck.withoutPrefix(originals, KAFKA_PREFIX));
    config.put(BOOTSTRAP_SERVERS, String.join(",", bootstrapServers()));
    return config;
  }

  @Override
  public String toString() {
    return "ConsoleConfig" + values;
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static ConfigDef buildConfigDef() {
    ConfigDef def =
        ConfigCheck.defineBrokerAndRegistry(new ConfigDef())
            .define(
                HTTP_HOST,
                ConfigDef.Type.STRING,
                "127.0.0.1",
                ConfigValidators.nonBlank(),
                Importance.HIGH,
                "Address the console binds to; loopback by default. To serve other machines, put"
                    + " it behind TLS and set "
                    + PUBLIC_URL
                    + ".")
            .define(
                HTTP_PORT,
                ConfigDef.Type.INT,
                9500,
                ConfigValidators.port(),
                Importance.HIGH,
                "Port of the console; 0 picks a free one.")
            .define(
                PUBLIC_URL,
                ConfigDef.Type.STRING,
                "",
                ConfigValidators.emptyOr(ConfigValidators.httpUrlWithoutQuery()),
                Importance.HIGH,
                "The console's URL as browsers reach it: its origin is the only one allowed to"
                    + " post forms. http://localhost:<port> when empty.")
            .define(
                ISSUER_URL,
                ConfigDef.Type.STRING,
                "http://localhost:9400",
                ConfigValidators.httpUrlWithoutQuery(),
                Importance.HIGH,
                "The issuer: the console asks it for tokens and acts there for the person"
                    + " logged in (revocations, approvals, policy).")
            .define(
                AUDIT_URL,
                ConfigDef.Type.STRING,
                "http://localhost:8095",
                ConfigValidators.httpUrlWithoutQuery(),
                Importance.HIGH,
                "The audit sink's query API, where grants, timelines and the chain's state come"
                    + " from.")
            .define(
                ASSERTION_SECRET_FILE,
                ConfigDef.Type.STRING,
                "",
                Importance.HIGH,
                "File with the secret the console signs person assertions with; the issuer's"
                    + " people.assertion-secret-file must name the same secret. Whoever holds it"
                    + " can act at the issuer as anyone: owner-only. Empty: the console shows,"
                    + " but cannot act at the issuer.")
            .define(
                CLIENT_ID,
                ConfigDef.Type.STRING,
                "tokenwatch-console",
                ConfigValidators.nonBlank(),
                Importance.MEDIUM,
                "The console's own OAuth client at the issuer (client credentials), for the audit"
                    + " API.")
            .define(
                CLIENT_SECRET_FILE,
                ConfigDef.Type.STRING,
                "",
                Importance.MEDIUM,
                "File with that client's secret. Empty: pages that read the audit history say"
                    + " it is not configured.")
            .define(
                DETECTOR_GROUP,
                ConfigDef.Type.STRING,
                "tokenwatch-anomaly-detector",
                ConfigValidators.nonBlank(),
                Importance.LOW,
                "The anomaly detector's consumer group (its application.id), whose lag the"
                    + " overview shows.")
            .define(
                AUDIT_SINK_GROUP,
                ConfigDef.Type.STRING,
                "tokenwatch-audit-sink",
                ConfigValidators.nonBlank(),
                Importance.LOW,
                "The audit sink's consumer group (its group.id), whose lag the overview shows.")
            .define(
                FLEET_MAX_STALENESS,
                ConfigDef.Type.STRING,
                "30s",
                ConfigValidators.duration(Duration.ofSeconds(1)),
                Importance.MEDIUM,
                "The fleet page shows a validator red as stale when its report says its"
                    + " revocation feed is further behind than this; match the validators'"
                    + " validator.revocation.max-staleness.");
    PeopleConfig.define(def);
    return def;
  }
}
