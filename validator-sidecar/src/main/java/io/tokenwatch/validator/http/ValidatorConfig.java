package io.tokenwatch.validator.http;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JWSAlgorithm;
import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.validator.RevocationFallback;
import io.tokenwatch.validator.TokenValidator;
import io.tokenwatch.validator.route.RouteTable;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;
import org.jspecify.annotations.Nullable;

/**
 * The validator sidecar's configuration. Every {@code validator.*} key is declared once in {@link
 * #configDef()}; the README's table is generated from it by {@link #markdownTable()}. Every other
 * key ({@code bootstrap.servers}, {@code schema.registry.url}, security settings, ...) passes
 * through to the Kafka clients and the schema registry client.
 *
 * <p>Durations are written {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code
 * PT30S}). Immutable.
 */
public final class ValidatorConfig {

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
  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

  /** The key {@link #HTTP_ROUTES} replaced; named in the error so old files are easy to fix. */
  private static final String REPLACED_HTTP_SCOPES = "validator.http.scopes";

  private static final ConfigDef CONFIG_DEF = buildConfigDef();

  private final Map<String, Object> values;
  private final Map<String, Object> passThrough;

  private ValidatorConfig(Map<String, Object> values, Map<String, Object> passThrough) {
    this.values = values;
    this.passThrough = passThrough;
  }

  /**
   * Parses and validates a configuration.
   *
   * @throws ConfigException listing every problem found
   */
  public static ValidatorConfig of(Map<String, ?> configs) {
    requireNonNull(configs, "configs");
    Map<String, String> declared = new LinkedHashMap<>();
    Map<String, Object> passThrough = new LinkedHashMap<>();
    configs.forEach(
        (key, value) -> {
          if (value == null) {
            return;
          }
          if (CONFIG_DEF.names().contains(key)) {
            declared.put(key, String.valueOf(value));
          }
          if (!key.startsWith("validator.")) {
            passThrough.put(key, value);
          }
        });
    List<String> problems = new ArrayList<>();
    for (String key : configs.keySet()) {
      if (key.equals(REPLACED_HTTP_SCOPES)) {
        problems.add(
            REPLACED_HTTP_SCOPES
                + " was replaced by "
                + HTTP_ROUTES
                + ", which names methods too and refuses unmatched paths: write"
                + " '/orders=orders:read' as '* /orders/** -> orders:read'");
      } else if (key.startsWith("validator.") && !CONFIG_DEF.names().contains(key)) {
        problems.add("Unknown key " + key);
      }
    }
    Map<String, ConfigValue> validated = new LinkedHashMap<>();
    for (ConfigValue value : CONFIG_DEF.validate(declared)) {
      validated.put(value.name(), value);
    }
    for (String name : CONFIG_DEF.configKeys().keySet()) {
      ConfigValue value = validated.get(name);
      if (value != null && !value.errorMessages().isEmpty()) {
        problems.add(value.errorMessages().get(0));
      }
    }
    if (Boolean.parseBoolean(declared.getOrDefault(HTTP_ALLOW_UNMATCHED, "false").trim())
        && !declared.getOrDefault(HTTP_DEFAULT_SCOPES, "").isBlank()) {
      problems.add(
          "Set at most one of "
              + HTTP_DEFAULT_SCOPES
              + " (unmatched requests need these scopes) and "
              + HTTP_ALLOW_UNMATCHED
              + " (unmatched requests need any valid token)");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(
          "Invalid validator configuration, "
              + problems.size()
              + " problem(s):\n - "
              + String.join("\n - ", problems));
    }
    return new ValidatorConfig(CONFIG_DEF.parse(declared), passThrough);
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
    return (String) values.get(ISSUER);
  }

  public String audience() {
    return (String) values.get(AUDIENCE);
  }

  public URI jwksUrl() {
    return URI.create((String) values.get(JWKS_URL));
  }

  public Duration jwksMinRefreshInterval() {
    return duration(JWKS_MIN_REFRESH);
  }

  public Duration jwksMaxAge() {
    return duration(JWKS_MAX_AGE);
  }

  public Set<JWSAlgorithm> algorithms() {
    Set<JWSAlgorithm> algs = new HashSet<>();
    for (Object name : (List<?>) values.get(ALGORITHMS)) {
      algs.add(JWSAlgorithm.parse(String.valueOf(name).trim()));
    }
    return algs;
  }

  public Duration clockSkew() {
    return duration(CLOCK_SKEW);
  }

  public Duration maxStaleness() {
    return duration(MAX_STALENESS);
  }

  /** The introspection fallback for a stale feed, when one is configured. */
  public Optional<RevocationFallback> revocationFallback() {
    String url = (String) values.get(FALLBACK_URL);
    if (url == null || url.isBlank()) {
      return Optional.empty();
    }
    Password secret = (Password) values.get(FALLBACK_SECRET);
    return Optional.of(
        new IntrospectionFallback(
            URI.create(url), secret == null ? "" : secret.value(), duration(FALLBACK_TIMEOUT)));
  }

  public String revocationTopic() {
    return (String) values.get(REVOCATION_TOPIC);
  }

  /** The issuer's revocation fast path, followed beside the feed. */
  public String revocationFastPathTopic() {
    return (String) values.get(REVOCATION_FAST_PATH_TOPIC);
  }

  public boolean usageEnabled() {
    return (Boolean) values.get(USAGE_ENABLED);
  }

  public String usageTopic() {
    return (String) values.get(USAGE_TOPIC);
  }

  public int usageQueueSize() {
    return (Integer) values.get(USAGE_QUEUE_SIZE);
  }

  /** {@value #VALIDATOR_ID}, or {@code validator@<host name>} when unset. */
  public String validatorId() {
    String id = (String) values.get(VALIDATOR_ID);
    if (id != null && !id.isBlank()) {
      return id;
    }
    try {
      return "validator@" + java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "validator@unknown";
    }
  }

  public long signatureCacheSize() {
    return (Long) values.get(SIGNATURE_CACHE_SIZE);
  }

  public int maxTokenBytes() {
    return (Integer) values.get(MAX_TOKEN_BYTES);
  }

  public Duration dpopMaxAge() {
    return duration(DPOP_MAX_AGE);
  }

  public long dpopReplayCacheSize() {
    return (Long) values.get(DPOP_REPLAY_CACHE_SIZE);
  }

  /** The sidecar settings. */
  public ValidatorSidecar.Settings sidecarSettings() {
    return new ValidatorSidecar.Settings(
        (String) values.get(HTTP_HOST),
        (Integer) values.get(HTTP_PORT),
        routes(),
        TrustedProxies.parse(strings(HTTP_TRUSTED_PROXIES)),
        blankToNull((String) values.get(HTTP_CLIENT_CERT_HEADER)),
        blankToNull((String) values.get(HTTP_SCOPE_HEADER)));
  }

  /**
   * {@value #HTTP_ROUTES} with what {@value #HTTP_DEFAULT_SCOPES} and {@value
   * #HTTP_ALLOW_UNMATCHED} say of unmatched requests.
   */
  public RouteTable routes() {
    RouteTable routes = RouteTable.parse((String) values.get(HTTP_ROUTES));
    String defaults = ((String) values.get(HTTP_DEFAULT_SCOPES)).trim();
    if (!defaults.isEmpty()) {
      return routes.withUnmatchedScopes(Set.of(defaults.split("\\s+")));
    }
    if ((Boolean) values.get(HTTP_ALLOW_UNMATCHED)) {
      return routes.withUnmatchedScopes(Set.of());
    }
    return routes;
  }

  private List<String> strings(String key) {
    List<String> list = new ArrayList<>();
    for (Object item : (List<?>) values.get(key)) {
      list.add(String.valueOf(item));
    }
    return list;
  }

  /** Every key outside {@code validator.*}: Kafka client and schema registry settings. */
  public Map<String, Object> clientConfig() {
    return Map.copyOf(passThrough);
  }

  private Duration duration(String key) {
    return parseDuration((String) values.get(key));
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601. */
  static Duration parseDuration(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("p")) {
        return Duration.parse(text.trim());
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      long n = Long.parseLong(s.substring(0, s.length() - 1));
      switch (s.charAt(s.length() - 1)) {
        case 's':
          return Duration.ofSeconds(n);
        case 'm':
          return Duration.ofMinutes(n);
        case 'h':
          return Duration.ofHours(n);
        default:
          throw new IllegalArgumentException("unknown unit in " + text);
      }
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("not a duration: " + text, e);
    }
  }

  private static final class DurationValidator implements ConfigDef.Validator {
    private final Duration min;

    DurationValidator(Duration min) {
      this.min = min;
    }

    @Override
    public void ensureValid(String name, Object value) {
      if (value == null) {
        return;
      }
      try {
        if (parseDuration(String.valueOf(value)).compareTo(min) < 0) {
          throw new ConfigException(name, value, "must be at least " + min);
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, "not a duration (e.g. 30s, 500ms, 5m, PT1M)");
      }
    }

    @Override
    public String toString() {
      return "duration >= " + min.toString().substring(2).toLowerCase(Locale.ROOT);
    }
  }

  private static final class NonBlank implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null || String.valueOf(value).isBlank()) {
        throw new ConfigException(name, value, "must not be blank");
      }
    }

    @Override
    public String toString() {
      return "non-blank";
    }
  }

  private static final class OptionalHttpUrl implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value != null && !String.valueOf(value).isBlank()) {
        new HttpUrl().ensureValid(name, value);
      }
    }

    @Override
    public String toString() {
      return "empty or http(s) URL";
    }
  }

  private static final class HttpUrl implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        URI uri = URI.create(String.valueOf(value));
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
          throw new ConfigException(name, value, "must be an http(s) URL");
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, "must be an http(s) URL");
      }
    }

    @Override
    public String toString() {
      return "http(s) URL";
    }
  }

  private static final class Algorithms implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      for (Object alg : (List<?>) value) {
        if (!TokenValidator.SUPPORTED_ALGORITHMS.contains(
            JWSAlgorithm.parse(String.valueOf(alg)))) {
          throw new ConfigException(name, value, "asymmetric JWS algorithms only, got " + alg);
        }
      }
    }

    @Override
    public String toString() {
      return "EdDSA, Ed25519, RS/PS/ES 256-512";
    }
  }

  private static final class RouteSyntax implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        RouteTable.parse(String.valueOf(value));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "METHODS /path -> scopes, ...";
    }
  }

  private static final class ScopeList implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      String text = String.valueOf(value).trim();
      if (!text.isEmpty()
          && !text.matches(
              "[\\x21\\x23-\\x2B\\x2D-\\x5B\\x5D-\\x7E]+(\\s+[\\x21\\x23-\\x2B\\x2D-\\x5B\\x5D-\\x7E]+)*")) {
        throw new ConfigException(name, value, "not space-separated scopes");
      }
    }

    @Override
    public String toString() {
      return "space-separated scopes";
    }
  }

  private static final class Addresses implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      List<String> entries = new ArrayList<>();
      for (Object item : (List<?>) value) {
        entries.add(String.valueOf(item));
      }
      try {
        TrustedProxies.parse(entries);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "IP addresses and CIDR ranges";
    }
  }

  private static ConfigDef buildConfigDef() {
    return new ConfigDef()
        .define(
            ISSUER,
            Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            new NonBlank(),
            Importance.HIGH,
            "The trusted issuer: a token's iss must equal it.")
        .define(
            AUDIENCE,
            Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            new NonBlank(),
            Importance.HIGH,
            "This resource server: a token's aud must include it.")
        .define(
            JWKS_URL,
            Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            new HttpUrl(),
            Importance.HIGH,
            "The issuer's key set (its /.well-known/jwks.json). The only place keys are fetched"
                + " from.")
        .define(
            JWKS_MIN_REFRESH,
            Type.STRING,
            "30s",
            new DurationValidator(Duration.ofSeconds(1)),
            Importance.LOW,
            "At most one key set fetch per this interval, however many unknown kids arrive.")
        .define(
            JWKS_MAX_AGE,
            Type.STRING,
            "5m",
            new DurationValidator(Duration.ofSeconds(1)),
            Importance.LOW,
            "Keys older than this are fetched again on next use, so removed keys stop verifying.")
        .define(
            ALGORITHMS,
            Type.LIST,
            "EdDSA,RS256",
            new Algorithms(),
            Importance.MEDIUM,
            "Signature algorithms accepted for access tokens; never none or HMAC.")
        .define(
            CLOCK_SKEW,
            Type.STRING,
            "30s",
            new DurationValidator(Duration.ZERO),
            Importance.MEDIUM,
            "Tolerance for disagreeing clocks on exp, nbf, iat and DPoP iat.")
        .define(
            MAX_STALENESS,
            Type.STRING,
            "30s",
            new DurationValidator(Duration.ofSeconds(1)),
            Importance.HIGH,
            "Deny with FEED_STALE when the revocation feed was last caught up longer ago.")
        .define(
            FALLBACK_URL,
            Type.STRING,
            "",
            new OptionalHttpUrl(),
            Importance.MEDIUM,
            "Introspection endpoint (the revocation stream's /introspect) asked instead of denying"
                + " FEED_STALE while the feed is not ready or stale. Empty: no fallback, fail"
                + " closed.")
        .define(
            FALLBACK_SECRET,
            Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Bearer secret for the introspection fallback. Secret: never logged.")
        .define(
            FALLBACK_TIMEOUT,
            Type.STRING,
            "2s",
            new DurationValidator(Duration.ofMillis(100)),
            Importance.LOW,
            "Bound on one introspection fallback call; the request being validated waits for it.")
        .define(
            REVOCATION_TOPIC,
            Type.STRING,
            Topics.REVOCATIONS.name(),
            new NonBlank(),
            Importance.LOW,
            "The revocation feed topic.")
        .define(
            REVOCATION_FAST_PATH_TOPIC,
            Type.STRING,
            Topics.REVOCATION_FAST_PATH.name(),
            new NonBlank(),
            Importance.LOW,
            "The issuer's revocation fast path, followed beside the feed so a revocation is denied"
                + " before the revocation stream has processed it.")
        .define(
            USAGE_ENABLED,
            Type.BOOLEAN,
            true,
            Importance.MEDIUM,
            "Whether every decision is reported as a TokenUsed event.")
        .define(
            USAGE_TOPIC,
            Type.STRING,
            Topics.TOKEN_USED.name(),
            new NonBlank(),
            Importance.LOW,
            "Where usage reports go.")
        .define(
            USAGE_QUEUE_SIZE,
            Type.INT,
            10_000,
            ConfigDef.Range.atLeast(1),
            Importance.LOW,
            "Bound on usage reports waiting to be sent; beyond it reports are dropped and"
                + " counted.")
        .define(
            VALIDATOR_ID,
            Type.STRING,
            "",
            Importance.LOW,
            "Identifies this validator in usage reports; validator@<host name> when empty.")
        .define(
            SIGNATURE_CACHE_SIZE,
            Type.LONG,
            100_000L,
            ConfigDef.Range.atLeast(0),
            Importance.LOW,
            "Bound on tokens remembered as verified; 0 verifies every time.")
        .define(
            MAX_TOKEN_BYTES,
            Type.INT,
            8192,
            ConfigDef.Range.atLeast(256),
            Importance.LOW,
            "Longer tokens and DPoP proofs are denied unread (TOO_LARGE). The sidecar's"
                + " request-header limit is twice this plus 16 KiB, so such a token gets that 401,"
                + " not a 431.")
        .define(
            DPOP_MAX_AGE,
            Type.STRING,
            "60s",
            new DurationValidator(Duration.ofSeconds(1)),
            Importance.LOW,
            "How old a DPoP proof may be.")
        .define(
            DPOP_REPLAY_CACHE_SIZE,
            Type.LONG,
            1_000_000L,
            ConfigDef.Range.atLeast(1),
            Importance.LOW,
            "Bound on DPoP proof ids remembered against replay.")
        .define(
            HTTP_HOST,
            Type.STRING,
            "127.0.0.1",
            new NonBlank(),
            Importance.MEDIUM,
            "Interface the sidecar listens on; loopback by default. In a container, or for a"
                + " proxy on another machine, set 0.0.0.0 (and validator.http.trusted-proxies).")
        .define(
            HTTP_PORT,
            Type.INT,
            8089,
            ConfigDef.Range.between(0, 65_535),
            Importance.MEDIUM,
            "Port the sidecar listens on; 0 picks a free one.")
        .define(
            HTTP_ROUTES,
            Type.STRING,
            "",
            new RouteSyntax(),
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
            Type.STRING,
            "",
            new ScopeList(),
            Importance.MEDIUM,
            "Scopes a request matching no route needs; empty: such requests are refused.")
        .define(
            HTTP_ALLOW_UNMATCHED,
            Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "Let a request matching no route through with any valid token. Off: deny by"
                + " default.")
        .define(
            HTTP_TRUSTED_PROXIES,
            Type.LIST,
            TrustedProxies.LOOPBACK,
            new Addresses(),
            Importance.HIGH,
            "Addresses (IPs, CIDR ranges) whose X-Forwarded-*/X-Original-* and client"
                + " certificate headers are believed; from any other peer the sidecar judges the"
                + " request it sees itself.")
        .define(
            HTTP_CLIENT_CERT_HEADER,
            Type.STRING,
            "",
            Importance.LOW,
            "Header in which a trusted proxy passes the client certificate's x5t#S256"
                + " thumbprint; empty when it passes none.")
        .define(
            HTTP_SCOPE_HEADER,
            Type.STRING,
            "",
            Importance.LOW,
            "Header in which the proxy names further required scopes; empty to ignore.")
        .define(
            BOOTSTRAP_SERVERS,
            Type.LIST,
            ConfigDef.NO_DEFAULT_VALUE,
            Importance.HIGH,
            "Kafka brokers; passed to the feed consumer and the usage producer with every other"
                + " non-validator key.")
        .define(
            SCHEMA_REGISTRY_URL,
            Type.LIST,
            ConfigDef.NO_DEFAULT_VALUE,
            Importance.HIGH,
            "Schema registry base URLs (Confluent REST API), for the Avro events.");
  }
}
