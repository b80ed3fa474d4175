package io.tokenwatch.schemas.serde;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.config.ConfigTables;
import io.tokenwatch.schemas.registry.RegistrySettings;
import io.tokenwatch.schemas.registry.RegistrySettings.CredentialsSource;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;
import org.jspecify.annotations.Nullable;

/**
 * The configuration of the Avro serdes and of the schema registry client, under the keys users of
 * Confluent's serdes already have. Every key is declared once in {@link #configDef()}; the table in
 * the module's {@code SERDE.md} is generated from it by {@link #markdownTable()}.
 *
 * <p>{@link #of(Map)} validates every key and reports every problem at once. Secrets ({@code
 * basic.auth.user.info}, store and key passwords, user info inside URLs) never appear in messages
 * or in {@link #toString()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class SerdeConfig {

  /** Registry base URLs, comma-separated; the next is tried when one cannot be reached. */
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";

  /** {@code USER_INFO} or {@code URL}. */
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";

  /** {@code user:password} for basic auth with {@code USER_INFO}. */
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";

  /** Trust store path for HTTPS. */
  public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";

  /** Trust store password. */
  public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";

  /** Trust store type. */
  public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";

  /** Key store path for HTTPS client authentication. */
  public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";

  /** Key store password. */
  public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";

  /** Key store type. */
  public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";

  /** Private key password. */
  public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";

  /** Bound on one registry request. */
  public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

  /** Bound on connecting to the registry. */
  public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";

  /** Retries after the first attempt, for I/O failures and 5xx. */
  public static final String MAX_RETRIES = "schema.registry.max.retries";

  /** First retry delay; doubles per retry. */
  public static final String RETRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";

  /** Bound on each schema and id cache. */
  public static final String CACHE_CAPACITY = "schema.registry.cache.capacity";

  /** Whether the serializer registers a record's schema on first use. */
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";

  /** Whether the serializer, not registering, uses the subject's latest version. */
  public static final String USE_LATEST_VERSION = "use.latest.version";

  /** Whether the deserializer returns generated classes instead of generic records. */
  public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";

  /** Generated class the key deserializer reads into. */
  public static final String SPECIFIC_AVRO_KEY_TYPE = "specific.avro.key.type";

  /** Generated class the value deserializer reads into. */
  public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";

  private static final List<String> STORE_TYPES = List.of("JKS", "PKCS12");
  private static final ConfigDef CONFIG_DEF = buildConfigDef();

  private final Map<String, Object> values;

  private SerdeConfig(Map<String, Object> values) {
    this.values = values;
  }

  /**
   * Parses and validates a configuration. Keys this class does not declare are ignored, so a whole
   * producer or consumer configuration may be passed. Values may be strings or already typed
   * ({@code Boolean}, {@code Class}, {@link Password}, ...).
   *
   * @throws ConfigException listing every problem found, without secret values
   */
  public static SerdeConfig of(Map<String, ?> configs) {
    requireNonNull(configs, "configs");
    Map<String, String> normalized = new LinkedHashMap<>();
    for (String name : CONFIG_DEF.names()) {
      Object value = configs.get(name);
      if (value != null) {
        normalized.put(name, asString(value));
      }
    }
    List<String> problems = new ArrayList<>();
    Map<String, ConfigValue> validated = new LinkedHashMap<>();
    for (ConfigValue value : CONFIG_DEF.validate(normalized)) {
      validated.put(value.name(), value);
    }
    for (String name : CONFIG_DEF.configKeys().keySet()) {
      ConfigValue value = validated.get(name);
      // One problem per key: after a parse failure Kafka adds a follow-up "must be non-null".
      if (value != null && !value.errorMessages().isEmpty()) {
        problems.add(value.errorMessages().get(0));
      }
    }
    if (problems.isEmpty()) {
      crossCheck(CONFIG_DEF.parse(normalized), problems);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(
          "Invalid serde configuration, "
              + problems.size()
              + " problem(s):\n - "
              + String.join("\n - ", problems));
    }
    return new SerdeConfig(CONFIG_DEF.parse(normalized));
  }

  /** The declaration of every key: type, default, validator, importance and documentation. */
  public static ConfigDef configDef() {
    return new ConfigDef(CONFIG_DEF);
  }

  /** The configuration table as GitHub-flavoured Markdown, one row per key in declaration order. */
  public static String markdownTable() {
    return ConfigTables.markdown(CONFIG_DEF);
  }

  /** The settings for {@link io.tokenwatch.schemas.registry.HttpSchemaRegistryClient}. */
  public RegistrySettings registrySettings() {
    List<URI> urls = new ArrayList<>();
    for (String url : list(SCHEMA_REGISTRY_URL)) {
      urls.add(URI.create(url.strip()));
    }
    CredentialsSource source = CredentialsSource.valueOf(string(BASIC_AUTH_CREDENTIALS_SOURCE));
    RegistrySettings.Tls tls = null;
    if (values.get(SSL_TRUSTSTORE_LOCATION) != null || values.get(SSL_KEYSTORE_LOCATION) != null) {
      tls =
          new RegistrySettings.Tls(
              (String) values.get(SSL_TRUSTSTORE_LOCATION),
              (Password) values.get(SSL_TRUSTSTORE_PASSWORD),
              string(SSL_TRUSTSTORE_TYPE),
              (String) values.get(SSL_KEYSTORE_LOCATION),
              (Password) values.get(SSL_KEYSTORE_PASSWORD),
              string(SSL_KEYSTORE_TYPE),
              (Password) values.get(SSL_KEY_PASSWORD));
    }
    return new RegistrySettings(
        urls,
        source,
        (Password) values.get(BASIC_AUTH_USER_INFO),
        tls,
        Duration.ofMillis(value(CONNECT_TIMEOUT_MS, Integer.class)),
        Duration.ofMillis(value(REQUEST_TIMEOUT_MS, Integer.class)),
        value(MAX_RETRIES, Integer.class),
        Duration.ofMillis(value(RETRY_BACKOFF_MS, Long.class)),
        cacheCapacity());
  }

  /** {@value #AUTO_REGISTER_SCHEMAS}. */
  public boolean autoRegisterSchemas() {
    return value(AUTO_REGISTER_SCHEMAS, Boolean.class);
  }

  /** {@value #USE_LATEST_VERSION}. */
  public boolean useLatestVersion() {
    return value(USE_LATEST_VERSION, Boolean.class);
  }

  /** {@value #SPECIFIC_AVRO_READER}. */
  public boolean specificAvroReader() {
    return value(SPECIFIC_AVRO_READER, Boolean.class);
  }

  /**
   * {@value #SPECIFIC_AVRO_KEY_TYPE} or {@value #SPECIFIC_AVRO_VALUE_TYPE}, or {@code null} when
   * unset (the class is then found by the writer schema's full name).
   */
  public @Nullable Class<?> specificAvroType(boolean isKey) {
    return (Class<?>) values.get(isKey ? SPECIFIC_AVRO_KEY_TYPE : SPECIFIC_AVRO_VALUE_TYPE);
  }

  /** {@value #CACHE_CAPACITY}. */
  public int cacheCapacity() {
    return value(CACHE_CAPACITY, Integer.class);
  }

  @Override
  public String toString() {
    // Password values print as [hidden]; URLs lose their user info.
    return values.entrySet().stream()
        .map(
            e ->
                e.getKey()
                    + "="
                    + (e.getKey().equals(SCHEMA_REGISTRY_URL)
                        ? list(SCHEMA_REGISTRY_URL).stream()
                            .map(SerdeConfig::redactUrl)
                            .collect(Collectors.joining(","))
                        : String.valueOf(e.getValue())))
        .collect(Collectors.joining(", ", "SerdeConfig{", "}"));
  }

  // ---- declaration ----

  private static ConfigDef buildConfigDef() {
    return new ConfigDef()
        .define(
            SCHEMA_REGISTRY_URL,
            ConfigDef.Type.LIST,
            ConfigDef.NO_DEFAULT_VALUE,
            new UrlListValidator(),
            Importance.HIGH,
            "Schema registry base URLs, comma-separated (Confluent Schema Registry, Karapace, or"
                + " Apicurio's ccompat API with its path). On a connection failure the next URL is"
                + " tried.")
        .define(
            BASIC_AUTH_CREDENTIALS_SOURCE,
            ConfigDef.Type.STRING,
            CredentialsSource.URL.name(),
            ConfigDef.ValidString.in(
                CredentialsSource.USER_INFO.name(), CredentialsSource.URL.name()),
            Importance.MEDIUM,
            "Where HTTP basic-auth credentials come from: USER_INFO takes basic.auth.user.info,"
                + " URL takes the user info of each URL (https://user:password@host). No"
                + " credentials are sent when the source has none.")
        .define(
            BASIC_AUTH_USER_INFO,
            ConfigDef.Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Basic-auth credentials as user:password, used with USER_INFO. The embedded"
                + " registry's, which registering schemas with it needs, is in"
                + " <data-dir>/schema-registry.credential. Secret: never logged.")
        .define(
            SSL_TRUSTSTORE_LOCATION,
            ConfigDef.Type.STRING,
            null,
            Importance.MEDIUM,
            "Trust store for HTTPS to the registry; the JVM's default trust when unset.")
        .define(
            SSL_TRUSTSTORE_PASSWORD,
            ConfigDef.Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Password of the trust store. Secret: never logged.")
        .define(
            SSL_TRUSTSTORE_TYPE,
            ConfigDef.Type.STRING,
            "JKS",
            ConfigDef.ValidString.in(STORE_TYPES.toArray(new String[0])),
            Importance.LOW,
            "Format of the trust store.")
        .define(
            SSL_KEYSTORE_LOCATION,
            ConfigDef.Type.STRING,
            null,
            Importance.MEDIUM,
            "Key store holding the client certificate, for registries that require mutual TLS.")
        .define(
            SSL_KEYSTORE_PASSWORD,
            ConfigDef.Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Password of the key store. Secret: never logged.")
        .define(
            SSL_KEYSTORE_TYPE,
            ConfigDef.Type.STRING,
            "JKS",
            ConfigDef.ValidString.in(STORE_TYPES.toArray(new String[0])),
            Importance.LOW,
            "Format of the key store.")
        .define(
            SSL_KEY_PASSWORD,
            ConfigDef.Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Password of the private key, when it differs from the key store's. Secret: never"
                + " logged.")
        .define(
            REQUEST_TIMEOUT_MS,
            ConfigDef.Type.INT,
            (int) RegistrySettings.DEFAULT_REQUEST_TIMEOUT.toMillis(),
            ConfigDef.Range.atLeast(1),
            Importance.LOW,
            "Bound on one registry request, from sending it to reading the whole response.")
        .define(
            CONNECT_TIMEOUT_MS,
            ConfigDef.Type.INT,
            (int) RegistrySettings.DEFAULT_CONNECT_TIMEOUT.toMillis(),
            ConfigDef.Range.atLeast(1),
            Importance.LOW,
            "Bound on establishing a connection to one registry URL.")
        .define(
            MAX_RETRIES,
            ConfigDef.Type.INT,
            RegistrySettings.DEFAULT_MAX_RETRIES,
            ConfigDef.Range.between(0, 100),
            Importance.LOW,
            "Retries after the first attempt when no registry answers or it answers 5xx; 4xx"
                + " answers are never retried. Then the registry is reported unavailable (a"
                + " retriable error).")
        .define(
            RETRY_BACKOFF_MS,
            ConfigDef.Type.LONG,
            RegistrySettings.DEFAULT_RETRY_BACKOFF.toMillis(),
            ConfigDef.Range.atLeast(0),
            Importance.LOW,
            "Delay before the first retry; it doubles per retry (with jitter) up to "
                + RegistrySettings.MAX_BACKOFF.toSeconds()
                + " s.")
        .define(
            CACHE_CAPACITY,
            ConfigDef.Type.INT,
            RegistrySettings.DEFAULT_CACHE_CAPACITY,
            ConfigDef.Range.atLeast(1),
            Importance.LOW,
            "Bound on each cache of schemas, ids and datum readers/writers.")
        .define(
            AUTO_REGISTER_SCHEMAS,
            ConfigDef.Type.BOOLEAN,
            true,
            Importance.MEDIUM,
            "Whether the serializer registers a record's schema under the subject on first use."
                + " When false the schema must already be registered (see use.latest.version).")
        .define(
            USE_LATEST_VERSION,
            ConfigDef.Type.BOOLEAN,
            false,
            Importance.LOW,
            "With auto.register.schemas=false: take the id of the subject's latest version, which"
                + " must have the same parsing canonical form as the record's schema, instead of"
                + " looking the record's schema up.")
        .define(
            SPECIFIC_AVRO_READER,
            ConfigDef.Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "Whether a deserializer created from properties returns generated SpecificRecord"
                + " classes instead of GenericRecord.")
        .define(
            SPECIFIC_AVRO_KEY_TYPE,
            ConfigDef.Type.CLASS,
            null,
            Importance.LOW,
            "With specific.avro.reader=true: the generated class keys are read into (its schema"
                + " is the reader schema). When unset, the class named by the writer schema's"
                + " full name is used.")
        .define(
            SPECIFIC_AVRO_VALUE_TYPE,
            ConfigDef.Type.CLASS,
            null,
            Importance.LOW,
            "With specific.avro.reader=true: the generated class values are read into (its"
                + " schema is the reader schema). When unset, the class named by the writer"
                + " schema's full name is used.");
  }

  /** Rejects an empty list and anything but http(s) URLs with a host, without echoing secrets. */
  private static final class UrlListValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, @Nullable Object value) {
      if (!(value instanceof List<?> urls) || urls.isEmpty()) {
        throw new ConfigException(name + " must name at least one registry URL");
      }
      for (Object url : urls) {
        String text = String.valueOf(url).strip();
        try {
          URI uri = new URI(text);
          if (uri.getHost() == null
              || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new ConfigException(
                name + " must hold http or https URLs with a host, got " + redactUrl(text));
          }
        } catch (URISyntaxException e) {
          throw new ConfigException(name + " holds a malformed URL: " + redactUrl(text));
        }
      }
    }

    @Override
    public String toString() {
      return "non-empty list of http(s) URLs";
    }
  }

  private static void crossCheck(Map<String, Object> parsed, List<String> problems) {
    if (CredentialsSource.USER_INFO.name().equals(parsed.get(BASIC_AUTH_CREDENTIALS_SOURCE))) {
      Password userInfo = (Password) parsed.get(BASIC_AUTH_USER_INFO);
      if (userInfo == null || userInfo.value().indexOf(':') < 0) {
        problems.add(
            BASIC_AUTH_CREDENTIALS_SOURCE
                + "=USER_INFO needs "
                + BASIC_AUTH_USER_INFO
                + " of the form user:password");
      }
    }
    checkStore(parsed, SSL_TRUSTSTORE_LOCATION, problems);
    checkStore(parsed, SSL_KEYSTORE_LOCATION, problems);
    checkSpecificType(parsed, SPECIFIC_AVRO_KEY_TYPE, problems);
    checkSpecificType(parsed, SPECIFIC_AVRO_VALUE_TYPE, problems);
  }

  private static void checkStore(Map<String, Object> parsed, String key, List<String> problems) {
    Object location = parsed.get(key);
    if (location != null && !Files.isReadable(Path.of((String) location))) {
      problems.add(key + " names no readable file: " + location);
    }
  }

  private static void checkSpecificType(
      Map<String, Object> parsed, String key, List<String> problems) {
    Object type = parsed.get(key);
    if (type != null && !SpecificRecord.class.isAssignableFrom((Class<?>) type)) {
      problems.add(
          key
              + " must name a generated Avro class (a SpecificRecord), got "
              + ((Class<?>) type).getName());
    }
  }

  // ---- helpers ----

  /** A value ConfigDef has parsed, defaulted and validated, so present and of its declared type. */
  private <T> T value(String key, Class<T> type) {
    return requireNonNull(type.cast(values.get(key)), key);
  }

  private List<String> list(String key) {
    @SuppressWarnings("unchecked") // ConfigDef parses ConfigDef.Type.LIST to List<String>
    List<String> list = (List<String>) values.get(key);
    return requireNonNull(list, key);
  }

  private String string(String key) {
    return (String) requireNonNull(values.get(key), key);
  }

  private static String asString(Object value) {
    if (value instanceof Class<?> type) {
      return type.getName();
    }
    if (value instanceof Password password) {
      return password.value();
    }
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    return String.valueOf(value);
  }

  private static String redactUrl(String url) {
    int at = url.indexOf('@');
    int scheme = url.indexOf("://");
    if (at < 0 || scheme < 0 || at < scheme) {
      return url;
    }
    return url.substring(0, scheme + 3) + "[hidden]@" + url.substring(at + 1);
  }
}
