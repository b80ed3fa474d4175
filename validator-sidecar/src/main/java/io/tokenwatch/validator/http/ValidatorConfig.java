package io.tokenwatch.validator.http;

import com.nimbusds.jose.JWSAlgorithm;
import io.tokenwatch.schemas.config.ConfigCheck;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.config.ConfigValidators;
import io.tokenwatch.schemas.config.ConfigValues;
import io.tokenwatch.schemas.config.DeprecatedKeys;
import io.tokenwatch.schemas.config.ServiceConfig;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.RevocationFallback;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.route.RouteTable;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The validator sidecar's configuration. Every {@code validator.*} key is declared once in {@link
 * #configDef()}; the README's table is generated from it by {@link #markdownTable()}. Every other
 * key ({@code bootstrap.servers}, {@code schema.registry.url}, security settings, ...) passes
 * through to the Kafka clients and the schema registry client.
 *
 * <p>Durations are written {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code
 * PT30S}). It is read the way every service's is ({@link ConfigCheck}): every problem at once,
 * unknown {@code validator.*} keys refused. No key has been renamed. Immutable.
 */
public final class ValidatorConfig extends ServiceConfig {

  public static final String ISSUER = "validator.issuer";
  public static final String AUDIENCE = "validator.audience";
  public static final String JWKS_URL = "validator.jwks.url";
  public static final String JWKS_MIN_REFRESH = "validator.jwks.min-refresh-interval";
  public static final String JWKS_MAX_AGE = "validator.jwks.max-age";
  public static final String ALGORITHMS = "validator.algorithms";
  public static final String CLOCK_SKEW = "validator.clock-skew";
  public static final String MAX_STALENESS = "validator.revocation.max-staleness";
  public static final String REVOCATION_TOPIC = "validator.revocation.topic";
  public static final String REVOCATION_FAST_PATH_TOPIC = "validator.revocation.fast-path-topic";
  public static final String FALLBACK_URL = "validator.revocation.fallback.introspection-url";
  public static final String FALLBACK_SECRET = "validator.revocation.fallback.secret";
  public static final String FALLBACK_TIMEOUT = "validator.revocation.fallback.timeout";
  public static final String USAGE_ENABLED = "validator.usage.enabled";
  public static final String USAGE_TOPIC = "validator.usage.topic";
  public static final String USAGE_QUEUE_SIZE = "validator.usage.queue-size";
  public static final String VALIDATOR_ID = "validator.id";
  public static final String STATUS_INTERVAL = "validator.status.interval";
  public static final String STATUS_TOPIC = "validator.status.topic";
  public static final String SIGNATURE_CACHE_SIZE = "validator.signature-cache.size";
  public static final String MAX_TOKEN_BYTES = "validator.max-token-bytes";
  public static final String DPOP_MAX_AGE = "validator.dpop.max-age";
  public static final String DPOP_REPLAY_CACHE_SIZE = "validator.dpop.replay-cache.size";
  public static final String HTTP_HOST = "validator.http.host";
  public static final String HTTP_PORT = "validator.http.port";
  public static final String HTTP_ROUTES = "validator.http.routes";
  public static final String HTTP_DEFAULT_SCOPES = "validator.http.default-scopes";
  public static final String HTTP_ALLOW_UNMATCHED = "validator.http.allow-unmatched";
  public static final String HTTP_TRUSTED_PROXIES = "validator.http.trusted-proxies";
  public static final String HTTP_CLIENT_CERT_HEADER = "validator.http.client-cert-header";
  public static final String HTTP_SCOPE_HEADER = "validator.http.scope-header";
  public static final String BOOTSTRAP_SERVERS = ConfigCheck.BOOTSTRAP_SERVERS;
  public static final String SCHEMA_REGISTRY_URL = SerdeConfig.SCHEMA_REGISTRY_URL;

  /** The key {@link #HTTP_ROUTES} replaced; named in the error so old files are easy to fix. */
  private static final String REPLACED_HTTP_SCOPES = "validator.http.scopes";

  private static final ConfigDef CONFIG_DEF = buildConfigDef();

  /** The prefix of the sidecar's own keys; every other key passes through to the clients. */
  private static final String PREFIX = "validator.";

  private final Map<String, Object> passThrough;

  private ValidatorConfig(
      ConfigValues values,
      Map<String, Object> passThrough,
      SerdeConfig serdeConfig,
      List<String> deprecations) {
    super(values, serdeConfig, deprecations);
    this.passThrough = passThrough;
  }

  /**
   * Parses and validates a configuration.
   *
   * @throws ConfigException listing every problem found
   */
  public static ValidatorConfig of(Map<String, ?> configs) {
    ConfigCheck check = ConfigCheck.of(CONFIG_DEF, DeprecatedKeys.none(), configs);
    check.rejectUnknown(
        PREFIX,
        Map.of(
            REPLACED_HTTP_SCOPES,
            REPLACED_HTTP_SCOPES
                + " was replaced by "
                + HTTP_ROUTES
                + ", which names methods too and refuses unmatched paths: write"
                + " '/orders=orders:read' as '* /orders/** -> orders:read'"));
    if (check.declaredValid()) {
      ConfigValues values = check.values();
      if (values.bool(HTTP_ALLOW_UNMATCHED) && !values.string(HTTP_DEFAULT_SCOPES).isBlank()) {
        check.problem(
            "Set at most one of "
                + HTTP_DEFAULT_SCOPES
                + " (unmatched requests need these scopes) and "
                + HTTP_ALLOW_UNMATCHED
                + " (unmatched requests need any valid token)");
      }
    }
    Map<String, Object> passThrough = new LinkedHashMap<>();
    configs.forEach(
        (key, value) -> {
          if (value != null && !key.startsWith(PREFIX)) {
            passThrough.put(key, value);
          }
        });
    return new ValidatorConfig(
        check.validated("validator"), passThrough, check.serde(), check.deprecations());
  }

  /** The old names of renamed keys: none, the sidecar's keys were written in today's style. */
  public static DeprecatedKeys deprecatedKeys() {
    return DeprecatedKeys.none();
  }

  /** The declaration of every key. */
  public static ConfigDef configDef() {
    return new ConfigDef(CONFIG_DEF);
  }

  /** The configuration table as Markdown, one row per key in declaration order. */
  public static String markdownTable() {
    return ConfigTables.markdown(CONFIG_DEF);
  }

  public String issuer() {
    return values.string(ISSUER);
  }

  public String audience() {
    return values.string(AUDIENCE);
  }

  public URI jwksUrl() {
    return URI.create(values.string(JWKS_URL));
  }

  public Duration jwksMinRefreshInterval() {
    return values.duration(JWKS_MIN_REFRESH);
  }

  public Duration jwksMaxAge() {
    return values.duration(JWKS_MAX_AGE);
  }

  public Set<JWSAlgorithm> algorithms() {
    Set<JWSAlgorithm> algs = new HashSet<>();
    for (String name : values.list(ALGORITHMS)) {
      algs.add(JWSAlgorithm.parse(name));
    }
    return algs;
  }

  public Duration clockSkew() {
    return values.duration(CLOCK_SKEW);
  }

  public Duration maxStaleness() {
    return values.duration(MAX_STALENESS);
  }

  /** The introspection fallback for a stale feed, when one is configured. */
  public Optional<RevocationFallback> revocationFallback() {
    return values
        .nonBlank(FALLBACK_URL)
        .map(
            url ->
                new IntrospectionFallback(
                    URI.create(url),
                    values.password(FALLBACK_SECRET).map(Password::value).orElse(""),
                    values.duration(FALLBACK_TIMEOUT)));
  }

  public String revocationTopic() {
    return values.string(REVOCATION_TOPIC);
  }

  /** The issuer's revocation fast path, followed beside the feed. */
  public String revocationFastPathTopic() {
    return values.string(REVOCATION_FAST_PATH_TOPIC);
  }

  public boolean usageEnabled() {
    return values.bool(USAGE_ENABLED);
  }

  public String usageTopic() {
    return values.string(USAGE_TOPIC);
  }

  public int usageQueueSize() {
    return values.intValue(USAGE_QUEUE_SIZE);
  }

  /** {@value #VALIDATOR_ID}, or {@code validator@<host name>} when unset. */
  public String validatorId() {
    Optional<String> id = values.nonBlank(VALIDATOR_ID);
    if (id.isPresent()) {
      return id.get();
    }
    try {
      return "validator@" + InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "validator@unknown";
    }
  }

  /** How often the validator reports its status; empty when {@value #STATUS_INTERVAL} is 0s. */
  public Optional<Duration> statusInterval() {
    Duration interval = values.duration(STATUS_INTERVAL);
    return interval.isZero() ? Optional.empty() : Optional.of(interval);
  }

  public String statusTopic() {
    return values.string(STATUS_TOPIC);
  }

  public long signatureCacheSize() {
    return values.longValue(SIGNATURE_CACHE_SIZE);
  }

  public int maxTokenBytes() {
    return values.intValue(MAX_TOKEN_BYTES);
  }

  public Duration dpopMaxAge() {
    return values.duration(DPOP_MAX_AGE);
  }

  public long dpopReplayCacheSize() {
    return values.longValue(DPOP_REPLAY_CACHE_SIZE);
  }

  /** The sidecar settings. */
  public ValidatorSidecar.Settings sidecarSettings() {
    return new ValidatorSidecar.Settings(
        values.string(HTTP_HOST),
        values.intValue(HTTP_PORT),
        routes(),
        TrustedProxies.parse(values.list(HTTP_TRUSTED_PROXIES)),
        values.nonBlank(HTTP_CLIENT_CERT_HEADER).orElse(null),
        values.nonBlank(HTTP_SCOPE_HEADER).orElse(null));
  }

  /**
   * {@value #HTTP_ROUTES} with what {@value #HTTP_DEFAULT_SCOPES} and {@value
   * #HTTP_ALLOW_UNMATCHED} say of unmatched requests.
   */
  public RouteTable routes() {
    RouteTable routes = RouteTable.parse(values.string(HTTP_ROUTES));
    String defaults = values.string(HTTP_DEFAULT_SCOPES).trim();
    if (!defaults.isEmpty()) {
      return routes.withUnmatchedScopes(Set.of(defaults.split("\\s+")));
    }
    if (values.bool(HTTP_ALLOW_UNMATCHED)) {
      return routes.withUnmatchedScopes(Set.of());
    }
    return routes;
  }

  /** Every key outside {@code validator.*}: Kafka client and schema registry settings. */
  public Map<String, Object> clientConfig() {
    return Map.copyOf(passThrough);
  }

  private static ConfigDef.Validator algorithmsValidator() {
    return ConfigValidators.parsedBy(
        "EdDSA, Ed25519, RS/PS/ES 256-512",
        alg -> {
          if (!TokenValidator.SUPPORTED_ALGORITHMS.contains(JWSAlgorithm.parse(alg.trim()))) {
            throw new IllegalArgumentException("asymmetric JWS algorithms only, got " + alg);
          }
        });
  }

  private static ConfigDef.Validator zeroOrAtLeast100Millis() {
    ConfigDef.Validator duration = ConfigValidators.duration(Duration.ZERO);
    return ConfigDef.LambdaValidator.with(
        (name, value) -> {
          duration.ensureValid(name, value);
          Duration interval = io.tokenwatch.schemas.config.Durations.parse(String.valueOf(value));
          if (!interval.isZero() && interval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new ConfigException(name, value, "must be 0s (off) or at least 100ms");
          }
        },
        () -> "0s (off) or duration >= 100ms");
  }

  private static ConfigDef.Validator scopeList() {
    return ConfigValidators.parsedBy(
        "space-separated scopes",
        text -> {
          if (!text.isBlank()
              && !text.trim()
                  .matches(
                      "[\\x21\\x23-\\x2B\\x2D-\\x5B\\x5D-\\x7E]+(\\s+[\\x21\\x23-\\x2B\\x2D-\\x5B\\x5D-\\x7E]+)*")) {
            throw new IllegalArgumentException("not space-separated scopes");
          }
        });
  }

  private static ConfigDef buildConfigDef() {
    return ConfigCheck.defineBrokerAndRegistry(new ConfigDef())
        .define(
            ISSUER,
            ConfigDef.Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigValidators.nonBlank(),
            Importance.HIGH,
            "The trusted issuer: a token's iss must equal it.")
        .define(
            AUDIENCE,
            ConfigDef.Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigValidators.nonBlank(),
            Importance.HIGH,
            "This resource server: a token's aud must include it.")
        .define(
            JWKS_URL,
            ConfigDef.Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigValidators.httpUrl(),
            Importance.HIGH,
            "The issuer's key set (its /.well-known/jwks.json). The only place keys are fetched"
                + " from.")
        .define(
            JWKS_MIN_REFRESH,
            ConfigDef.Type.STRING,
            "30s",
            ConfigValidators.duration(Duration.ofSeconds(1)),
            Importance.LOW,
            "At most one key set fetch per this interval, however many unknown kids arrive.")
        .define(
            JWKS_MAX_AGE,
            ConfigDef.Type.STRING,
            "5m",
            ConfigValidators.duration(Duration.ofSeconds(1)),
            Importance.LOW,
            "Keys older than this are fetched again on next use, so removed keys stop verifying.")
        .define(
            ALGORITHMS,
            ConfigDef.Type.LIST,
            "EdDSA,RS256",
            algorithmsValidator(),
            Importance.MEDIUM,
            "Signature algorithms accepted for access tokens; never none or HMAC.")
        .define(
            CLOCK_SKEW,
            ConfigDef.Type.STRING,
            "30s",
            ConfigValidators.duration(Duration.ZERO),
            Importance.MEDIUM,
            "Tolerance for disagreeing clocks on exp, nbf, iat and DPoP iat.")
        .define(
            MAX_STALENESS,
            ConfigDef.Type.STRING,
            "30s",
            ConfigValidators.duration(Duration.ofSeconds(1)),
            Importance.HIGH,
            "Deny with FEED_STALE when the revocation feed was last caught up longer ago.")
        .define(
            FALLBACK_URL,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.emptyOr(ConfigValidators.httpUrl()),
            Importance.MEDIUM,
            "Introspection endpoint (the revocation stream's /introspect) asked instead of denying"
                + " FEED_STALE while the feed is not ready or stale. Empty: no fallback, fail"
                + " closed.")
        .define(
            FALLBACK_SECRET,
            ConfigDef.Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Bearer secret for the introspection fallback. Secret: never logged.")
        .define(
            FALLBACK_TIMEOUT,
            ConfigDef.Type.STRING,
            "2s",
            ConfigValidators.duration(Duration.ofMillis(100)),
            Importance.LOW,
            "Bound on one introspection fallback call; the request being validated waits for it.")
        .define(
            REVOCATION_TOPIC,
            ConfigDef.Type.STRING,
            Topics.REVOCATIONS.name(),
            ConfigValidators.nonBlank(),
            Importance.LOW,
            "The revocation feed topic.")
        .define(
            REVOCATION_FAST_PATH_TOPIC,
            ConfigDef.Type.STRING,
            Topics.REVOCATION_FAST_PATH.name(),
            ConfigValidators.nonBlank(),
            Importance.LOW,
            "The issuer's revocation fast path, followed beside the feed so a revocation is denied"
                + " before the revocation stream has processed it.")
        .define(
            USAGE_ENABLED,
            ConfigDef.Type.BOOLEAN,
            true,
            Importance.MEDIUM,
            "Whether every decision is reported as a TokenUsed event.")
        .define(
            USAGE_TOPIC,
            ConfigDef.Type.STRING,
            Topics.TOKEN_USED.name(),
            ConfigValidators.nonBlank(),
            Importance.LOW,
            "Where usage reports go.")
        .define(
            USAGE_QUEUE_SIZE,
            ConfigDef.Type.INT,
            10_000,
            ConfigDef.Range.atLeast(1),
            Importance.LOW,
            "Bound on usage reports waiting to be sent; beyond it reports are dropped and"
                + " counted.")
        .define(
            VALIDATOR_ID,
            ConfigDef.Type.STRING,
            "",
            Importance.LOW,
            "Identifies this validator in usage and status reports; validator@<host name> when"
                + " empty.")
        .define(
            STATUS_INTERVAL,
            ConfigDef.Type.STRING,
            "5s",
            zeroOrAtLeast100Millis(),
            Importance.MEDIUM,
            "How often the validator reports its feed's status (positions, staleness, revocations"
                + " applied) as a ValidatorStatus event; the anomaly detector alerts when reports"
                + " stop. 0s turns reporting off.")
        .define(
            STATUS_TOPIC,
            ConfigDef.Type.STRING,
            Topics.VALIDATOR_STATUS.name(),
            ConfigValidators.nonBlank(),
            Importance.LOW,
            "Where status reports go.")
        .define(
            SIGNATURE_CACHE_SIZE,
            ConfigDef.Type.LONG,
            100_000L,
            ConfigDef.Range.atLeast(0),
            Importance.LOW,
            "Bound on tokens remembered as verified; 0 verifies every time.")
        .define(
            MAX_TOKEN_BYTES,
            ConfigDef.Type.INT,
            8192,
            ConfigDef.Range.atLeast(256),
            Importance.LOW,
            "Longer tokens and DPoP proofs are denied unread (TOO_LARGE). The sidecar's"
                + " request-header limit is twice this plus 16 KiB, so such a token gets that 401,"
                + " not a 431.")
        .define(
            DPOP_MAX_AGE,
            ConfigDef.Type.STRING,
            "60s",
            ConfigValidators.duration(Duration.ofSeconds(1)),
            Importance.LOW,
            "How old a DPoP proof may be.")
        .define(
            DPOP_REPLAY_CACHE_SIZE,
            ConfigDef.Type.LONG,
            1_000_000L,
            ConfigDef.Range.atLeast(1),
            Importance.LOW,
            "Bound on DPoP proof ids remembered against replay.")
        .define(
            HTTP_HOST,
            ConfigDef.Type.STRING,
            "127.0.0.1",
            ConfigValidators.nonBlank(),
            Importance.MEDIUM,
            "Interface the sidecar listens on; loopback by default. In a container, or for a"
                + " proxy on another machine, set 0.0.0.0 (and validator.http.trusted-proxies).")
        .define(
            HTTP_PORT,
            ConfigDef.Type.INT,
            8089,
            ConfigValidators.port(),
            Importance.MEDIUM,
            "Port the sidecar listens on; 0 picks a free one.")
        .define(
            HTTP_ROUTES,
            ConfigDef.Type.STRING,
            "",
            ConfigValidators.parsedBy("METHODS /path -> scopes, ...", RouteTable::parse),
            Importance.HIGH,
            "Required scopes by method and path, comma-separated, e.g. `GET /orders/** ->"
                + " orders:read, POST|DELETE /orders/** -> orders:write`. Methods: `*` or"
                + " `NAME|NAME` (GET covers HEAD); path segments: a literal, `*` or `{name}` (one"
                + " segment), a final `**` (any number, none included); literals match in any case"
                + " unless the rule ends with `[case-sensitive]`. Every matching route applies. A"
                + " request matching none is refused (403) unless validator.http.default-scopes or"
                + " validator.http.allow-unmatched says otherwise.")
        .define(
            HTTP_DEFAULT_SCOPES,
            ConfigDef.Type.STRING,
            "",
            scopeList(),
            Importance.MEDIUM,
            "Scopes a request matching no route needs; empty: such requests are refused.")
        .define(
            HTTP_ALLOW_UNMATCHED,
            ConfigDef.Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "Let a request matching no route through with any valid token. Off: deny by"
                + " default.")
        .define(
            HTTP_TRUSTED_PROXIES,
            ConfigDef.Type.LIST,
            TrustedProxies.LOOPBACK,
            ConfigValidators.listParsedBy("IP addresses and CIDR ranges", TrustedProxies::parse),
            Importance.HIGH,
            "Addresses (IPs, CIDR ranges) whose X-Forwarded-*/X-Original-* and client"
                + " certificate headers are believed; from any other peer the sidecar judges the"
                + " request it sees itself.")
        .define(
            HTTP_CLIENT_CERT_HEADER,
            ConfigDef.Type.STRING,
            "",
            Importance.LOW,
            "Header in which a trusted proxy passes the client certificate's x5t#S256"
                + " thumbprint; empty when it passes none.")
        .define(
            HTTP_SCOPE_HEADER,
            ConfigDef.Type.STRING,
            "",
            Importance.LOW,
            "Header in which the proxy names further required scopes; empty to ignore.");
  }
}
