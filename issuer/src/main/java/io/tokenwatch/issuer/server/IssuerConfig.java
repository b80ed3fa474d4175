package io.tokenwatch.issuer.server;

import io.tokenwatch.issuer.policy.RiskLevel;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.schemas.config.ConfigCheck;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.schemas.config.ServiceConfig;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * The issuer's configuration. Every key is declared once in {@link #configDef()}; the README table
 * is generated from it by {@link #markdownTable()}. {@link #of(Map)} reads it the way every service
 * does ({@link ConfigCheck}): old key names still work with a warning ({@link #deprecatedKeys()}),
 * and every problem is reported at once. The configuration holds no secrets (client secrets live
 * hashed in the policy file, keys in the data directory, people's password hashes in the users
 * file, the upstream OpenID Connect client secret in its own file). The {@code people.*} keys of
 * the login pages the issuer hosts are declared by {@link PeopleConfig}. Immutable.
 */
public final class IssuerConfig extends ServiceConfig {

  public static final String ISSUER_URL = "issuer.url";
  public static final String HOST = "issuer.http.host";
  public static final String PORT = "issuer.http.port";
  public static final String MAX_BODY_BYTES = "issuer.http.max-body-bytes";
  public static final String POLICY_FILE = "issuer.policy.file";
  public static final String POLICY_RELOAD_MS = "issuer.policy.reload-interval-ms";
  public static final String POLICY_APPROVAL_RISK = "issuer.policy.approval-risk";
  public static final String DATA_DIR = "issuer.data-dir";
  public static final String SIGNING_ALGORITHM = "issuer.signing.algorithm";
  public static final String TTL_CEILING_SECONDS = "issuer.token.ttl-ceiling-seconds";
  public static final String PRODUCE_TIMEOUT_MS = "issuer.produce-timeout-ms";
  public static final String MTLS_HEADER = "issuer.mtls.thumbprint-header";
  public static final String DPOP_WINDOW_SECONDS = "issuer.dpop.window-seconds";
  public static final String INSTANCE_ID = "issuer.instance-id";
  public static final String REVOCATION_MAX_STALENESS_MS = "issuer.revocation.max-staleness-ms";
  public static final String CONSENT_CODE_TTL_SECONDS = "issuer.consent.code-ttl-seconds";
  public static final String ACCESS_MAX_EXCEPTION = "issuer.access.max-exception";
  public static final String ACCESS_EXPIRY_SWEEP = "issuer.access.expiry-sweep-interval";
  public static final String REVOCATION_PENDING_TTL = "issuer.revocation.pending-ttl";
  public static final String BOOTSTRAP_SERVERS = ConfigCheck.BOOTSTRAP_SERVERS;
  public static final String SCHEMA_REGISTRY_URL = SerdeConfig.SCHEMA_REGISTRY_URL;

  /**
   * Prefix of keys passed, without it, to every Kafka client of the issuer: the security settings
   * of a secured cluster ({@code kafka.security.protocol}, {@code kafka.sasl.mechanism}, {@code
   * kafka.sasl.jaas.config}, {@code kafka.ssl.*}). The issuer's own choices (bootstrap servers,
   * acks, idempotence, timeouts, client ids) take precedence over them.
   */
  public static final String KAFKA_PREFIX = "kafka.";

  private static final ConfigDef CONFIG_DEF = buildConfigDef();

  private static final DeprecatedKeys DEPRECATED =
      DeprecatedKeys.builder()
          .renamed("issuer.http.max.body.bytes", MAX_BODY_BYTES)
          .renamed("issuer.policy.reload.interval.ms", POLICY_RELOAD_MS)
          .renamed("issuer.data.dir", DATA_DIR)
          .renamed("issuer.token.ttl.ceiling.seconds", TTL_CEILING_SECONDS)
          .renamed("issuer.produce.timeout.ms", PRODUCE_TIMEOUT_MS)
          .renamed("issuer.mtls.thumbprint.header", MTLS_HEADER)
          .renamed("issuer.dpop.window.seconds", DPOP_WINDOW_SECONDS)
          .renamed("issuer.instance.id", INSTANCE_ID)
          .renamed("issuer.revocation.max.staleness.ms", REVOCATION_MAX_STALENESS_MS)
          .build();

  private final Map<String, Object> kafkaClient;
  private final PeopleConfig people;

  private IssuerConfig(ConfigCheck check) {
    super(check, "issuer");
    this.kafkaClient = Map.copyOf(ConfigCheck.withoutPrefix(check.originals(), KAFKA_PREFIX));
    this.people = PeopleConfig.from(values);
  }

  /**
   * Parses and validates a configuration; keys it does not declare are ignored, except those
   * starting with {@value #KAFKA_PREFIX}, which go to the Kafka clients, and the schema registry
   * client's ({@code basic.auth.*}, {@code schema.registry.*}; see {@link SerdeConfig}).
   *
   * @throws ConfigException listing every problem found
   */
  public static IssuerConfig of(Map<String, ?> configs) {
    return new IssuerConfig(ConfigCheck.of(CONFIG_DEF, DEPRECATED, configs));
  }

  /** The old names of renamed keys, each still read as its new one. */
  public static DeprecatedKeys deprecatedKeys() {
    return DEPRECATED;
  }

  /** The declaration of every key. */
  public static ConfigDef configDef() {
    return new ConfigDef(CONFIG_DEF);
  }

  private static ConfigDef buildConfigDef() {
    ConfigDef def = ConfigCheck.defineBrokerAndRegistry(new ConfigDef());
    def.define(
            ISSUER_URL,
            ConfigDef.Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigValidators.httpUrlWithoutQuery(),
            Importance.HIGH,
            "The issuer identifier: the 'iss' of every token and the base of the endpoint URLs in"
                + " the metadata, as clients reach it (e.g. behind a TLS terminator).")
        .define(
            HOST,
            ConfigDef.Type.STRING,
            "localhost",
            ConfigValidators.nonBlank(),
            Importance.MEDIUM,
            "Interface the HTTP server binds to.")
        .define(
            PORT,
            ConfigDef.Type.INT,
            9400,
            ConfigValidators.port(),
            Importance.HIGH,
            "HTTP port; 0 picks a free one.")
        .define(
            MAX_BODY_BYTES,
            ConfigDef.Type.INT,
            16_384,
            Range.between(512, 1_048_576),
            Importance.LOW,
            "Largest request body accepted; larger ones get 413.")
        .define(
            POLICY_FILE,
            ConfigDef.Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigValidators.nonBlank(),
            Importance.HIGH,
            "The policy YAML file; watched and reloaded when it changes.")
        .define(
            POLICY_RELOAD_MS,
            ConfigDef.Type.LONG,
            2_000L,
            Range.atLeast(100),
            Importance.LOW,
            "How often the policy file is checked for changes, in ms.")
        .define(
            POLICY_APPROVAL_RISK,
            ConfigDef.Type.STRING,
            "high",
            ValidString.in("low", "medium", "high", "critical"),
            Importance.HIGH,
            "A policy change (file edit or rollback) that gives a client a scope of this risk or"
                + " higher that the policy in force does not give it waits for an approved access"
                + " request before it comes into force; the previous policy stays meanwhile.")
        .define(
            DATA_DIR,
            ConfigDef.Type.STRING,
            "data/issuer",
            ConfigValidators.nonBlank(),
            Importance.HIGH,
            "Directory for the signing keys (private keys are written owner-only).")
        .define(
            SIGNING_ALGORITHM,
            ConfigDef.Type.STRING,
            "EDDSA",
            ValidString.in("EDDSA", "RS256"),
            Importance.MEDIUM,
            "Algorithm of newly generated signing keys.")
        .define(
            TTL_CEILING_SECONDS,
            ConfigDef.Type.LONG,
            3_600L,
            Range.between(60, 86_400),
            Importance.MEDIUM,
            "Longest access-token lifetime any policy may grant, in seconds; revocation records"
                + " are kept this long past their watermark.")
        .define(
            PRODUCE_TIMEOUT_MS,
            ConfigDef.Type.INT,
            5_000,
            Range.between(100, 120_000),
            Importance.MEDIUM,
            "How long a request waits for Kafka to acknowledge its event before answering 503.")
        .define(
            MTLS_HEADER,
            ConfigDef.Type.STRING,
            "",
            Importance.MEDIUM,
            "Header in which a TLS terminator passes the base64url SHA-256 thumbprint of the"
                + " verified client certificate; empty disables mTLS. Only set it when every"
                + " request goes through that terminator, which must strip the header from"
                + " clients.")
        .define(
            DPOP_WINDOW_SECONDS,
            ConfigDef.Type.INT,
            60,
            Range.between(1, 600),
            Importance.LOW,
            "How far a DPoP proof's iat may be from now, in seconds.")
        .define(
            INSTANCE_ID,
            ConfigDef.Type.STRING,
            "",
            Importance.LOW,
            "Names this instance in refresh-grant states; empty picks a random id.")
        .define(
            REVOCATION_MAX_STALENESS_MS,
            ConfigDef.Type.LONG,
            30_000L,
            Range.atLeast(1_000L),
            Importance.MEDIUM,
            "Admin tokens, token exchanges and refreshes are refused (fail closed) while the"
                + " issuer's copy of the revocation feed was last caught up longer ago than this,"
                + " in ms.")
        .define(
            CONSENT_CODE_TTL_SECONDS,
            ConfigDef.Type.INT,
            60,
            Range.between(10, 600),
            Importance.LOW,
            "How long an authorization code may be redeemed after the person consented, in"
                + " seconds. Codes live in the instance's memory: a restart invalidates the"
                + " outstanding ones (the person consents again).")
        .define(
            ACCESS_MAX_EXCEPTION,
            ConfigDef.Type.STRING,
            "P30D",
            ConfigValidators.duration(Duration.ofMinutes(1)),
            Importance.MEDIUM,
            "Longest policy exception an access request may ask for (e.g. PT8H, P30D); longer"
                + " requests are refused.")
        .define(
            REVOCATION_PENDING_TTL,
            ConfigDef.Type.STRING,
            "P1D",
            ConfigValidators.duration(Duration.ofMinutes(1)),
            Importance.MEDIUM,
            "How long a person's revocation that needs a second person (policy revocation_rights)"
                + " waits for one before it lapses unrevoked (e.g. PT4H, P1D).")
        .define(
            ACCESS_EXPIRY_SWEEP,
            ConfigDef.Type.STRING,
            "30s",
            ConfigValidators.duration(Duration.ofSeconds(1)),
            Importance.LOW,
            "How often ended policy exceptions are recorded as EXPIRED. Issuance stops at the"
                + " exception's end whatever this is; it only delays the record.");
    PeopleConfig.define(def);
    return def;
  }

  /** The configuration table as Markdown, one row per key in declaration order. */
  public static String markdownTable() {
    return ConfigTables.markdown(CONFIG_DEF);
  }

  public String issuerUrl() {
    String url = values.string(ISSUER_URL);
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  public String host() {
    return values.string(HOST);
  }

  public int port() {
    return values.intValue(PORT);
  }

  public int maxBodyBytes() {
    return values.intValue(MAX_BODY_BYTES);
  }

  public Path policyFile() {
    return Path.of(values.string(POLICY_FILE));
  }

  public Duration policyReloadInterval() {
    return values.millis(POLICY_RELOAD_MS);
  }

  public RiskLevel policyApprovalRisk() {
    return RiskLevel.valueOf(values.string(POLICY_APPROVAL_RISK).toUpperCase(Locale.ROOT));
  }

  public Path dataDir() {
    return Path.of(values.string(DATA_DIR));
  }

  public SigningAlgorithm signingAlgorithm() {
    return SigningAlgorithm.valueOf(values.string(SIGNING_ALGORITHM));
  }

  public Duration ttlCeiling() {
    return values.seconds(TTL_CEILING_SECONDS);
  }

  public Duration produceTimeout() {
    return Duration.ofMillis(values.intValue(PRODUCE_TIMEOUT_MS));
  }

  public Optional<String> mtlsHeader() {
    return values.nonBlank(MTLS_HEADER);
  }

  public Duration dpopWindow() {
    return values.seconds(DPOP_WINDOW_SECONDS);
  }

  public Optional<String> instanceId() {
    return values.nonBlank(INSTANCE_ID);
  }

  public Duration revocationMaxStaleness() {
    return values.millis(REVOCATION_MAX_STALENESS_MS);
  }

  public Duration consentCodeTtl() {
    return Duration.ofSeconds(values.intValue(CONSENT_CODE_TTL_SECONDS));
  }

  /** How long a revocation waiting for a second person waits before it lapses. */
  public Duration revocationPendingTtl() {
    return values.duration(REVOCATION_PENDING_TTL);
  }

  public Duration accessMaxException() {
    return values.duration(ACCESS_MAX_EXCEPTION);
  }

  public Duration accessExpirySweep() {
    return values.duration(ACCESS_EXPIRY_SWEEP);
  }

  /** How people log in to the pages and APIs the issuer hosts (the {@code people.*} keys). */
  public PeopleConfig people() {
    return people;
  }

  /** {@value #BOOTSTRAP_SERVERS}, comma-separated. */
  public String bootstrapServers() {
    return String.join(",", values.list(BOOTSTRAP_SERVERS));
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

  /** {@value #SCHEMA_REGISTRY_URL}, comma-separated. */
  public String schemaRegistryUrl() {
    return String.join(",", values.list(SCHEMA_REGISTRY_URL));
  }

  @Override
  public String toString() {
    return "IssuerConfig" + values;
  }
}
