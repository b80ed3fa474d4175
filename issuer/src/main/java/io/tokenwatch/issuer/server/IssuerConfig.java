package io.tokenwatch.issuer.server;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.issuer.keys.SigningAlgorithm;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * The issuer's configuration. Every key is declared once in {@link #configDef()}; the README table
 * is generated from it by {@link #markdownTable()}. {@link #of(Map)} reports every problem at once.
 * The configuration holds no secrets (client secrets live hashed in the policy file, keys in the
 * data directory). Immutable.
 */
public final class IssuerConfig {

  public static final String ISSUER_URL = "issuer.url";
  public static final String HOST = "issuer.http.host";
  public static final String PORT = "issuer.http.port";
  public static final String MAX_BODY_BYTES = "issuer.http.max.body.bytes";
  public static final String POLICY_FILE = "issuer.policy.file";
  public static final String POLICY_RELOAD_MS = "issuer.policy.reload.interval.ms";
  public static final String DATA_DIR = "issuer.data.dir";
  public static final String SIGNING_ALGORITHM = "issuer.signing.algorithm";
  public static final String TTL_CEILING_SECONDS = "issuer.token.ttl.ceiling.seconds";
  public static final String PRODUCE_TIMEOUT_MS = "issuer.produce.timeout.ms";
  public static final String MTLS_HEADER = "issuer.mtls.thumbprint.header";
  public static final String DPOP_WINDOW_SECONDS = "issuer.dpop.window.seconds";
  public static final String INSTANCE_ID = "issuer.instance.id";
  public static final String REVOCATION_MAX_STALENESS_MS = "issuer.revocation.max.staleness.ms";
  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

  /**
   * Prefix of keys passed, without it, to every Kafka client of the issuer: the security settings
   * of a secured cluster ({@code kafka.security.protocol}, {@code kafka.sasl.mechanism}, {@code
   * kafka.sasl.jaas.config}, {@code kafka.ssl.*}). The issuer's own choices (bootstrap servers,
   * acks, idempotence, timeouts, client ids) take precedence over them.
   */
  public static final String KAFKA_PREFIX = "kafka.";

  private static final ConfigDef CONFIG_DEF = buildConfigDef();

  private final Map<String, Object> values;
  private final Map<String, Object> kafkaClient;
  private final SerdeConfig serdeConfig;

  private IssuerConfig(
      Map<String, Object> values, Map<String, Object> kafkaClient, SerdeConfig serdeConfig) {
    this.values = values;
    this.kafkaClient = kafkaClient;
    this.serdeConfig = serdeConfig;
  }

  /**
   * Parses and validates a configuration; keys it does not declare are ignored, except those
   * starting with {@value #KAFKA_PREFIX}, which go to the Kafka clients, and the schema registry
   * client's ({@code basic.auth.*}, {@code schema.registry.*}; see {@link SerdeConfig}).
   *
   * @throws ConfigException listing every problem found
   */
  public static IssuerConfig of(Map<String, ?> configs) {
    requireNonNull(configs, "configs");
    Map<String, String> normalized = new LinkedHashMap<>();
    for (String name : CONFIG_DEF.names()) {
      Object value = configs.get(name);
      if (value != null) {
        normalized.put(name, String.valueOf(value));
      }
    }
    List<String> problems = new ArrayList<>();
    for (ConfigValue value : CONFIG_DEF.validate(normalized)) {
      if (!value.errorMessages().isEmpty()) {
        problems.add(value.errorMessages().get(0));
      }
    }
    if (problems.isEmpty()) {
      Map<String, Object> parsed = CONFIG_DEF.parse(normalized);
      try {
        URI url = URI.create((String) parsed.get(ISSUER_URL));
        if (url.getScheme() == null || url.getHost() == null || url.getQuery() != null) {
          problems.add(ISSUER_URL + ": must be an absolute http(s) URL without query");
        }
      } catch (IllegalArgumentException e) {
        problems.add(ISSUER_URL + ": not a URL");
      }
    }
    SerdeConfig serde = null;
    try {
      serde = SerdeConfig.of(configs);
    } catch (ConfigException e) {
      // A missing or malformed URL is reported once, by the issuer's own declaration.
      if (problems.stream().noneMatch(p -> p.contains(SCHEMA_REGISTRY_URL))) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty() || serde == null) {
      throw new ConfigException(
          "Invalid issuer configuration, "
              + problems.size()
              + " problem(s):\n - "
              + String.join("\n - ", problems));
    }
    Map<String, Object> kafkaClient = new LinkedHashMap<>();
    configs.forEach(
        (key, value) -> {
          if (key.startsWith(KAFKA_PREFIX) && value != null) {
            kafkaClient.put(key.substring(KAFKA_PREFIX.length()), String.valueOf(value));
          }
        });
    return new IssuerConfig(CONFIG_DEF.parse(normalized), Map.copyOf(kafkaClient), serde);
  }

  /** The declaration of every key. */
  public static ConfigDef configDef() {
    return new ConfigDef(CONFIG_DEF);
  }

  private static ConfigDef buildConfigDef() {
    return new ConfigDef()
        .define(
            ISSUER_URL,
            Type.STRING,
            Importance.HIGH,
            "The issuer identifier: the 'iss' of every token and the base of the endpoint URLs in"
                + " the metadata, as clients reach it (e.g. behind a TLS terminator).")
        .define(
            HOST,
            Type.STRING,
            "localhost",
            Importance.MEDIUM,
            "Interface the HTTP server binds to.")
        .define(
            PORT,
            Type.INT,
            9400,
            Range.between(0, 65_535),
            Importance.HIGH,
            "HTTP port; 0 picks a free one.")
        .define(
            MAX_BODY_BYTES,
            Type.INT,
            16_384,
            Range.between(512, 1_048_576),
            Importance.LOW,
            "Largest request body accepted; larger ones get 413.")
        .define(
            POLICY_FILE,
            Type.STRING,
            Importance.HIGH,
            "The policy YAML file; watched and reloaded when it changes.")
        .define(
            POLICY_RELOAD_MS,
            Type.LONG,
            2_000L,
            Range.atLeast(100),
            Importance.LOW,
            "How often the policy file is checked for changes, in ms.")
        .define(
            DATA_DIR,
            Type.STRING,
            "data/issuer",
            Importance.HIGH,
            "Directory for the signing keys (private keys are written owner-only).")
        .define(
            SIGNING_ALGORITHM,
            Type.STRING,
            "EDDSA",
            ValidString.in("EDDSA", "RS256"),
            Importance.MEDIUM,
            "Algorithm of newly generated signing keys.")
        .define(
            TTL_CEILING_SECONDS,
            Type.LONG,
            3_600L,
            Range.between(60, 86_400),
            Importance.MEDIUM,
            "Longest access-token lifetime any policy may grant, in seconds; revocation records"
                + " are kept this long past their watermark.")
        .define(
            PRODUCE_TIMEOUT_MS,
            Type.INT,
            5_000,
            Range.between(100, 120_000),
            Importance.MEDIUM,
            "How long a request waits for Kafka to acknowledge its event before answering 503.")
        .define(
            MTLS_HEADER,
            Type.STRING,
            "",
            Importance.MEDIUM,
            "Header in which a TLS terminator passes the base64url SHA-256 thumbprint of the"
                + " verified client certificate; empty disables mTLS. Only set it when every"
                + " request goes through that terminator, which must strip the header from"
                + " clients.")
        .define(
            DPOP_WINDOW_SECONDS,
            Type.INT,
            60,
            Range.between(1, 600),
            Importance.LOW,
            "How far a DPoP proof's iat may be from now, in seconds.")
        .define(
            INSTANCE_ID,
            Type.STRING,
            "",
            Importance.LOW,
            "Names this instance in refresh-grant states; empty picks a random id.")
        .define(
            REVOCATION_MAX_STALENESS_MS,
            Type.LONG,
            30_000L,
            Range.atLeast(1_000L),
            Importance.MEDIUM,
            "Admin tokens, token exchanges and refreshes are refused (fail closed) while the"
                + " issuer's copy of the revocation feed was last caught up longer ago than this,"
                + " in ms.")
        .define(BOOTSTRAP_SERVERS, Type.STRING, Importance.HIGH, "Kafka bootstrap servers.")
        .define(SCHEMA_REGISTRY_URL, Type.STRING, Importance.HIGH, "Schema registry base URL.");
  }

  /** The configuration table as Markdown, one row per key in declaration order. */
  public static String markdownTable() {
    return ConfigTables.markdown(CONFIG_DEF);
  }

  public String issuerUrl() {
    String url = (String) values.get(ISSUER_URL);
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  public String host() {
    return (String) values.get(HOST);
  }

  public int port() {
    return (Integer) values.get(PORT);
  }

  public int maxBodyBytes() {
    return (Integer) values.get(MAX_BODY_BYTES);
  }

  public Path policyFile() {
    return Path.of((String) values.get(POLICY_FILE));
  }

  public Duration policyReloadInterval() {
    return Duration.ofMillis((Long) values.get(POLICY_RELOAD_MS));
  }

  public Path dataDir() {
    return Path.of((String) values.get(DATA_DIR));
  }

  public SigningAlgorithm signingAlgorithm() {
    return SigningAlgorithm.valueOf((String) values.get(SIGNING_ALGORITHM));
  }

  public Duration ttlCeiling() {
    return Duration.ofSeconds((Long) values.get(TTL_CEILING_SECONDS));
  }

  public Duration produceTimeout() {
    return Duration.ofMillis((Integer) values.get(PRODUCE_TIMEOUT_MS));
  }

  public Optional<String> mtlsHeader() {
    String header = (String) values.get(MTLS_HEADER);
    return header.isBlank() ? Optional.empty() : Optional.of(header);
  }

  public Duration dpopWindow() {
    return Duration.ofSeconds((Integer) values.get(DPOP_WINDOW_SECONDS));
  }

  public Optional<String> instanceId() {
    String id = (String) values.get(INSTANCE_ID);
    return id.isBlank() ? Optional.empty() : Optional.of(id);
  }

  public Duration revocationMaxStaleness() {
    return Duration.ofMillis((Long) values.get(REVOCATION_MAX_STALENESS_MS));
  }

  public String bootstrapServers() {
    return (String) values.get(BOOTSTRAP_SERVERS);
  }

  /**
   * The settings every Kafka client of the issuer starts from: the {@value #KAFKA_PREFIX} keys
   * without their prefix, and {@code bootstrap.servers}. A new mutable map on each call.
   */
  public Map<String, Object> kafkaClientSettings() {
    Map<String, Object> settings = new LinkedHashMap<>(kafkaClient);
    settings.put(BOOTSTRAP_SERVERS, bootstrapServers());
    return settings;
  }

  public String schemaRegistryUrl() {
    return (String) values.get(SCHEMA_REGISTRY_URL);
  }

  /**
   * The schema registry client's settings: {@value #SCHEMA_REGISTRY_URL} with the credential
   * ({@code basic.auth.credentials.source}, {@code basic.auth.user.info}) and TLS settings given,
   * which registering the catalogue's schemas with a registry that protects changes needs.
   */
  public SerdeConfig serdeConfig() {
    return serdeConfig;
  }

  @Override
  public String toString() {
    return "IssuerConfig" + values;
  }
}
