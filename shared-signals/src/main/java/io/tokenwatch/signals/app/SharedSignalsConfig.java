package io.tokenwatch.signals.app;

import io.tokenwatch.schemas.config.ConfigCheck;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.schemas.config.ServiceConfig;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigException;

/**
 * The configuration of the Shared Signals service. Every key is declared once in {@link
 * #configDef()}; the module README's table is generated from it by {@link #markdownTable()}.
 *
 * <p>{@link #of(Map)} reads it the way every service does ({@link ConfigCheck}): every key
 * validated, every problem reported at once, secrets never printed. Keys starting with {@value
 * #KAFKA_PREFIX} are passed to the Kafka clients without the prefix. Immutable and thread-safe.
 */
public final class SharedSignalsConfig extends ServiceConfig {

  public static final String BOOTSTRAP_SERVERS = CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG;
  public static final String SCHEMA_REGISTRY_URL = SerdeConfig.SCHEMA_REGISTRY_URL;
  public static final String HTTP_HOST = "signals.http.host";
  public static final String HTTP_PORT = "signals.http.port";
  public static final String ISSUER = "signals.issuer";
  public static final String JWKS_URL = "signals.jwks-url";
  public static final String KEYS_DIR = "signals.keys.dir";
  public static final String AUDIENCE = "signals.audience";
  public static final String PUBLIC_URL = "signals.public-url";

  /** Prefix of keys passed through to the Kafka clients. */
  public static final String KAFKA_PREFIX = "kafka.";

  private static final ConfigDef CONFIG_DEF = buildConfigDef();
  private static final DeprecatedKeys DEPRECATED = DeprecatedKeys.builder().build();

  private final Map<String, String> originals;

  private SharedSignalsConfig(ConfigCheck check) {
    super(check, "shared-signals");
    this.originals = Map.copyOf(check.originals());
  }

  /**
   * Parses and validates a configuration.
   *
   * @throws ConfigException listing every problem found, without secret values
   */
  public static SharedSignalsConfig of(Map<String, ?> configs) {
    return new SharedSignalsConfig(ConfigCheck.of(CONFIG_DEF, DEPRECATED, configs));
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

  /** {@value #ISSUER}: the Tokenwatch issuer, {@code iss} of every SET transmitted. */
  public String issuer() {
    return values.string(ISSUER);
  }

  /** {@value #JWKS_URL}, or the issuer's {@code /.well-known/jwks.json} when not set. */
  public String jwksUrl() {
    return values.nonBlank(JWKS_URL).orElse(stripSlash(issuer()) + "/.well-known/jwks.json");
  }

  /**
   * {@value #KEYS_DIR}: the issuer's data directory, whose {@code keys} the SETs are signed with.
   */
  public Path keysDir() {
    return Path.of(values.string(KEYS_DIR));
  }

  /** {@value #AUDIENCE}: the audience receivers' bearer tokens must carry. */
  public String audience() {
    return values.string(AUDIENCE);
  }

  /** {@value #PUBLIC_URL}: the service's own base URL as receivers reach it, when set. */
  public Optional<String> publicUrl() {
    return values.nonBlank(PUBLIC_URL).map(SharedSignalsConfig::stripSlash);
  }

  /** The Kafka bootstrap servers. */
  public String bootstrapServers() {
    return String.join(",", values.list(BOOTSTRAP_SERVERS));
  }

  /** Settings for the Kafka clients given with the {@value #KAFKA_PREFIX} prefix, unprefixed. */
  public Map<String, Object> kafkaOverrides() {
    Map<String, Object> overrides = new java.util.HashMap<>();
    originals.forEach(
        (key, value) -> {
          if (key.startsWith(KAFKA_PREFIX)) {
            overrides.put(key.substring(KAFKA_PREFIX.length()), value);
          }
        });
    return overrides;
  }

  /** The values, for the settings classes of the transmitter, delivery and receiver. */
  io.tokenwatch.schemas.config.ConfigValues values() {
    return values;
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
                "localhost",
                ConfigValidators.nonBlank(),
                Importance.MEDIUM,
                "Interface the HTTP server (SSF metadata, stream management, polling, the"
                    + " receiver's push endpoint, health, metrics) binds to.")
            .define(
                HTTP_PORT,
                ConfigDef.Type.INT,
                8096,
                ConfigValidators.port(),
                Importance.MEDIUM,
                "Port of the HTTP server; 0 picks a free port.")
            .define(
                PUBLIC_URL,
                ConfigDef.Type.STRING,
                "",
                ConfigValidators.emptyOr(ConfigValidators.httpUrlWithoutQuery()),
                Importance.MEDIUM,
                "Base URL receivers reach this service at, as published in"
                    + " /.well-known/ssf-configuration; http://<host>:<port> when empty.")
            .define(
                ISSUER,
                ConfigDef.Type.STRING,
                ConfigDef.NO_DEFAULT_VALUE,
                ConfigValidators.httpUrlWithoutQuery(),
                Importance.HIGH,
                "The Tokenwatch issuer's URL: the iss of every SET transmitted, and the issuer of"
                    + " the bearer tokens receivers present.")
            .define(
                JWKS_URL,
                ConfigDef.Type.STRING,
                "",
                ConfigValidators.emptyOr(ConfigValidators.httpUrl()),
                Importance.MEDIUM,
                "Where the issuer publishes its keys (for receivers' bearer tokens and in the SSF"
                    + " metadata); <signals.issuer>/.well-known/jwks.json when empty.")
            .define(
                KEYS_DIR,
                ConfigDef.Type.STRING,
                ConfigDef.NO_DEFAULT_VALUE,
                ConfigValidators.nonBlank(),
                Importance.HIGH,
                "The issuer's data directory. SETs are signed with the issuer's current key from its"
                    + " keys subdirectory, so receivers verify them with the issuer's JWKS; the"
                    + " directory is re-read when the issuer rotates.")
            .define(
                AUDIENCE,
                ConfigDef.Type.STRING,
                "urn:tokenwatch:ssf",
                ConfigValidators.nonBlank(),
                Importance.MEDIUM,
                "The audience a receiver's bearer token must be issued for to use the stream"
                    + " management and poll endpoints.");
    def = StreamSettings.define(def);
    def = DeliverySettings.define(def);
    def = ReceiverSettings.define(def);
    def = PollSettings.define(def);
    return def;
  }

  @Override
  public String toString() {
    return "SharedSignalsConfig" + values;
  }
}
