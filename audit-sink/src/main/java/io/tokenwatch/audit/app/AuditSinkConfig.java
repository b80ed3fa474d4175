package io.tokenwatch.audit.app;

import io.tokenwatch.audit.store.StoreLocation;
import io.tokenwatch.schemas.config.ConfigCheck;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.schemas.config.ServiceConfig;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;

/**
 * The configuration of the audit sink. Every key is declared once in {@link #configDef()}; the
 * module README's table is generated from it by {@link #markdownTable()}. {@link #of(Map)} reads it
 * the way every service does ({@link ConfigCheck}): every key validated, including the
 * schema-registry keys of {@link SerdeConfig}, every problem reported at once, old key names read
 * with a warning ({@link #deprecatedKeys()}). Keys starting with {@value #CONSUMER_PREFIX} are
 * passed to the Kafka consumer without the prefix. Immutable and thread-safe.
 */
public final class AuditSinkConfig extends ServiceConfig {

  public static final String BOOTSTRAP_SERVERS = ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG;
  public static final String SCHEMA_REGISTRY_URL = SerdeConfig.SCHEMA_REGISTRY_URL;
  public static final String GROUP_ID = ConsumerConfig.GROUP_ID_CONFIG;
  public static final String DATA_DIR = "audit.data-dir";
  public static final String DB_FILE = "audit.db-file";
  public static final String STORE = "audit.store";
  public static final String BATCH_SIZE = "audit.batch.size";
  public static final String BATCH_MAX_WAIT_MS = "audit.batch.max-wait-ms";
  public static final String CHECKPOINT_RECORDS = "audit.checkpoint.records";
  public static final String CHECKPOINT_INTERVAL_MS = "audit.checkpoint.interval-ms";
  public static final String HTTP_HOST = "audit.http.host";
  public static final String HTTP_PORT = "audit.http.port";
  public static final String API_ISSUER = "audit.api.issuer";
  public static final String API_JWKS_URL = "audit.api.jwks-url";
  public static final String API_AUDIENCE = "audit.api.audience";
  public static final String API_SCOPE = "audit.api.scope";
  public static final String API_MAX_STALENESS_MS = "audit.api.max-staleness-ms";

  /** Prefix of keys passed through to the Kafka consumer. */
  public static final String CONSUMER_PREFIX = "consumer.";

  /** Prefix of settings for every Kafka client of the sink, e.g. its security settings. */
  public static final String KAFKA_PREFIX = "kafka.";

  /** The default database file name inside the data directory. */
  public static final String DEFAULT_DB_FILE = "audit.duckdb";

  /**
   * Empty, or a PostgreSQL store URL. The problem never shows the value: a password put in the URL
   * by mistake must not reach a log.
   */
  private static final ConfigDef.Validator STORE_URL =
      ConfigDef.LambdaValidator.with(
          (name, value) -> {
            String url = value == null ? "" : value.toString();
            if (url.isBlank()) {
              return;
            }
            String problem;
            try {
              problem =
                  StoreLocation.parse(url, Path.of("."), variable -> null)
                          instanceof StoreLocation.Postgres
                      ? null
                      : "not a postgresql:// URL (a DuckDB file is set with " + DB_FILE + ")";
            } catch (IllegalArgumentException e) {
              problem = e.getMessage();
            }
            if (problem != null) {
              throw new ConfigException(name, "(not shown)", problem);
            }
          },
          () -> "empty or postgresql://host[:port]/database[?user=name&...]");

  private static final ConfigDef CONFIG_DEF = buildConfigDef();

  private static final DeprecatedKeys DEPRECATED =
      DeprecatedKeys.builder()
          .renamed("audit.batch.max-wait.ms", BATCH_MAX_WAIT_MS)
          .renamed("audit.checkpoint.interval.ms", CHECKPOINT_INTERVAL_MS)
          .renamed("audit.api.max-staleness.ms", API_MAX_STALENESS_MS)
          .build();

  private final Map<String, String> originals;

  private AuditSinkConfig(ConfigCheck check) {
    super(check, "audit-sink");
    this.originals = Map.copyOf(check.originals());
  }

  /**
   * Parses and validates a configuration.
   *
   * @throws ConfigException listing every problem found
   */
  public static AuditSinkConfig of(Map<String, ?> configs) {
    return new AuditSinkConfig(ConfigCheck.of(CONFIG_DEF, DEPRECATED, configs));
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

  /** {@value #DATA_DIR}. */
  public Path dataDir() {
    return Path.of(values.string(DATA_DIR));
  }

  /** {@value #DB_FILE}, resolved against the data directory; {@code audit.duckdb} by default. */
  public Path dbFile() {
    return dataDir().resolve(values.nonBlank(DB_FILE).orElse(DEFAULT_DB_FILE));
  }

  /**
   * Where the store is: {@value #STORE} when set (a PostgreSQL database, the password read from
   * {@value io.tokenwatch.audit.store.StoreLocation#PASSWORD_ENV} or the file named by {@value
   * io.tokenwatch.audit.store.StoreLocation#PASSWORD_FILE_ENV}), else the DuckDB file {@link
   * #dbFile}.
   *
   * @throws IllegalArgumentException if the password file cannot be read
   */
  public StoreLocation store() {
    Optional<String> store = values.nonBlank(STORE);
    return store.isPresent()
        ? StoreLocation.parse(store.get(), dataDir())
        : new StoreLocation.DuckDbFile(dbFile());
  }

  /** {@value #BATCH_SIZE}. */
  public int batchSize() {
    return values.intValue(BATCH_SIZE);
  }

  /** {@value #BATCH_MAX_WAIT_MS}. */
  public Duration batchMaxWait() {
    return values.millis(BATCH_MAX_WAIT_MS);
  }

  /** {@value #CHECKPOINT_RECORDS}. */
  public long checkpointRecords() {
    return values.longValue(CHECKPOINT_RECORDS);
  }

  /** {@value #CHECKPOINT_INTERVAL_MS}. */
  public Duration checkpointInterval() {
    return values.millis(CHECKPOINT_INTERVAL_MS);
  }

  /** {@value #HTTP_HOST}. */
  public String httpHost() {
    return values.string(HTTP_HOST);
  }

  /** {@value #HTTP_PORT}; 0 picks a free port. */
  public int httpPort() {
    return values.intValue(HTTP_PORT);
  }

  /** {@value #API_ISSUER}, or empty when the query API is closed. */
  public Optional<String> apiIssuer() {
    return values.nonBlank(API_ISSUER);
  }

  /** {@value #API_JWKS_URL}, by default the issuer's {@code /.well-known/jwks.json}. */
  public Optional<URI> apiJwksUrl() {
    Optional<String> url = values.nonBlank(API_JWKS_URL);
    if (url.isPresent()) {
      return url.map(URI::create);
    }
    return apiIssuer().map(issuer -> URI.create(stripSlash(issuer) + "/.well-known/jwks.json"));
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** {@value #API_AUDIENCE}. */
  public String apiAudience() {
    return values.string(API_AUDIENCE);
  }

  /** {@value #API_SCOPE}. */
  public String apiScope() {
    return values.string(API_SCOPE);
  }

  /** {@value #API_MAX_STALENESS_MS}. */
  public Duration apiMaxStaleness() {
    return values.millis(API_MAX_STALENESS_MS);
  }

  /**
   * The settings every Kafka client of the sink starts from (admin, consumer, producers): the
   * brokers, and every {@value #KAFKA_PREFIX} key unprefixed (a secured cluster's {@code
   * kafka.security.protocol}, {@code kafka.sasl.jaas.config}, ...).
   */
  public Map<String, Object> kafkaClientConfig() {
    Map<String, Object> config = new HashMap<>();
    config.putAll(ConfigCheck.withoutPrefix(originals, KAFKA_PREFIX));
    config.put(BOOTSTRAP_SERVERS, String.join(",", bootstrapServers()));
    return config;
  }

  /**
   * The consumer's settings: {@link #kafkaClientConfig()}, then every {@value #CONSUMER_PREFIX} key
   * unprefixed, and the group.
   */
  public Map<String, Object> consumerConfig() {
    Map<String, Object> config = kafkaClientConfig();
    config.putAll(ConfigCheck.withoutPrefix(originals, CONSUMER_PREFIX));
    config.put(BOOTSTRAP_SERVERS, String.join(",", bootstrapServers()));
    config.put(GROUP_ID, values.string(GROUP_ID));
    return config;
  }

  /** The brokers. */
  public List<String> bootstrapServers() {
    return values.list(BOOTSTRAP_SERVERS);
  }

  @Override
  public String toString() {
    return "AuditSinkConfig" + values;
  }

  private static ConfigDef buildConfigDef() {
    return ConfigCheck.defineBrokerAndRegistry(new ConfigDef())
        .define(
            GROUP_ID,
            ConfigDef.Type.STRING,
            "tokenwatch-audit-sink",
            ConfigValidators.nonBlank(),
            Importance.HIGH,
            "Consumer group of the sink. Positions live in the store (committed with the rows);"
                + " they are also committed to Kafka after each batch, for lag tools only.")
        .define(
            DATA_DIR,
            ConfigDef.Type.STRING,
            "data/audit-sink",
            ConfigValidators.nonBlank(),
            Importance.HIGH,
            "Directory of the audit store and of the checkpoint signing key (created owner-only"
                + " on first start).")
        .define(
            DB_FILE,
            ConfigDef.Type.STRING,
            "",
            Importance.MEDIUM,
            "DuckDB database file, relative to the data directory unless absolute; "
                + DEFAULT_DB_FILE
                + " when empty.")
        .define(
            STORE,
            ConfigDef.Type.STRING,
            "",
            STORE_URL,
            Importance.MEDIUM,
            "A PostgreSQL database to keep the store in instead of the DuckDB file, shared by"
                + " every sink of the consumer group: postgresql://host[:port]/database?user=..."
                + " (other parameters go to the JDBC driver). The password is read from"
                + " $PGPASSWORD or the file named by"
                + " $PGPASSWORD_FILE, never from the URL. Empty: DuckDB.")
        .define(
            BATCH_SIZE,
            ConfigDef.Type.INT,
            20_000,
            Range.between(1, 200_000),
            Importance.MEDIUM,
            "Events appended in one transaction at most. Larger batches amortise the commit:"
                + " 20,000 stores about 1.6x as many events per second as 5,000.")
        .define(
            BATCH_MAX_WAIT_MS,
            ConfigDef.Type.LONG,
            200L,
            Range.between(0, 60_000),
            Importance.MEDIUM,
            "Longest an event waits for its batch to fill before the batch is stored.")
        .define(
            CHECKPOINT_RECORDS,
            ConfigDef.Type.LONG,
            100_000L,
            Range.atLeast(1),
            Importance.MEDIUM,
            "Sign a checkpoint after this many new records.")
        .define(
            CHECKPOINT_INTERVAL_MS,
            ConfigDef.Type.LONG,
            10_000L,
            Range.between(100, 3_600_000),
            Importance.MEDIUM,
            "Sign a checkpoint at least this often while new records arrive.")
        .define(
            HTTP_HOST,
            ConfigDef.Type.STRING,
            "127.0.0.1",
            ConfigValidators.nonBlank(),
            Importance.MEDIUM,
            "Address the HTTP server (query API, /health, /ready, /metrics) binds to; loopback by"
                + " default. In a container, or to serve other machines, set 0.0.0.0.")
        .define(
            HTTP_PORT,
            ConfigDef.Type.INT,
            8095,
            ConfigValidators.port(),
            Importance.MEDIUM,
            "Port of the HTTP server; 0 picks a free one.")
        .define(
            API_ISSUER,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.emptyOr(ConfigValidators.httpUrl()),
            Importance.HIGH,
            "Issuer URL whose access tokens the query API accepts; the API answers 503 when"
                + " empty (health and metrics still work).")
        .define(
            API_JWKS_URL,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.emptyOr(ConfigValidators.httpUrl()),
            Importance.MEDIUM,
            "JWKS URL of that issuer; the issuer's /.well-known/jwks.json when empty.")
        .define(
            API_AUDIENCE,
            ConfigDef.Type.STRING,
            "urn:tokenwatch:audit",
            ConfigValidators.nonBlank(),
            Importance.MEDIUM,
            "Audience access tokens for the query API must carry.")
        .define(
            API_SCOPE,
            ConfigDef.Type.STRING,
            "audit:read",
            ConfigValidators.nonBlank(),
            Importance.MEDIUM,
            "Scope access tokens for the query API must carry.")
        .define(
            API_MAX_STALENESS_MS,
            ConfigDef.Type.LONG,
            30_000L,
            Range.atLeast(0),
            Importance.LOW,
            "The API refuses tokens (503) while its revocation feed is older than this.");
  }
}
