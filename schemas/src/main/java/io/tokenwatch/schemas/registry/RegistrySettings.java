package io.tokenwatch.schemas.registry;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.types.Password;
import org.jspecify.annotations.Nullable;

/**
 * How {@link HttpSchemaRegistryClient} reaches the registry. Usually built from the Kafka-style
 * properties by {@code io.tokenwatch.schemas.serde.SerdeConfig#registrySettings()}.
 *
 * <p>{@link #toString()} never shows credentials, whether they come from {@code userInfo} or from
 * the URLs.
 *
 * @param urls registry base URLs, tried in order on connection failure; a URL may carry a path
 *     prefix (Apicurio's {@code /apis/ccompat/v7}) and, with {@link CredentialsSource#URL}, user
 *     info
 * @param credentialsSource where basic-auth credentials come from
 * @param userInfo {@code user:password} for {@link CredentialsSource#USER_INFO}
 * @param tls trust and key material for HTTPS, or {@code null} for the JVM defaults
 * @param connectTimeout bound on establishing a connection
 * @param requestTimeout bound on one request, from sending to the complete response
 * @param maxRetries retries after the first attempt, for I/O failures and 5xx only
 * @param retryBackoff the first retry's delay; it doubles per retry up to {@link #MAX_BACKOFF}
 * @param cacheCapacity bound on each of the client's caches
 */
public record RegistrySettings(
    List<URI> urls,
    CredentialsSource credentialsSource,
    @Nullable Password userInfo,
    @Nullable Tls tls,
    Duration connectTimeout,
    Duration requestTimeout,
    int maxRetries,
    Duration retryBackoff,
    int cacheCapacity) {

  /** Default {@link #connectTimeout()}. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** Default {@link #requestTimeout()}. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** Default {@link #maxRetries()}. */
  public static final int DEFAULT_MAX_RETRIES = 3;

  /** Default {@link #retryBackoff()}. */
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);

  /** Default {@link #cacheCapacity()}. */
  public static final int DEFAULT_CACHE_CAPACITY = 1000;

  /** Upper bound of the exponential retry backoff. */
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  /** Where basic-auth credentials come from, with Confluent's names. */
  public enum CredentialsSource {
    /** From {@link RegistrySettings#userInfo()}, sent to every URL. */
    USER_INFO,
    /** From the user info of each URL ({@code https://user:password@host}), if present. */
    URL
  }

  /**
   * Key and trust stores for HTTPS. Either store may be absent.
   *
   * @param truststoreLocation path of the trust store, or {@code null} for the JVM default trust
   * @param truststorePassword its password
   * @param truststoreType {@code JKS} or {@code PKCS12}
   * @param keystoreLocation path of the key store for client authentication, or {@code null}
   * @param keystorePassword its password
   * @param keystoreType {@code JKS} or {@code PKCS12}
   * @param keyPassword the private key's password, when it differs from the store's
   */
  public record Tls(
      @Nullable String truststoreLocation,
      @Nullable Password truststorePassword,
      String truststoreType,
      @Nullable String keystoreLocation,
      @Nullable Password keystorePassword,
      String keystoreType,
      @Nullable Password keyPassword) {
    /** Validates the store types. */
    public Tls {
      requireNonNull(truststoreType, "truststoreType");
      requireNonNull(keystoreType, "keystoreType");
    }
  }

  /** Validates the settings. */
  public RegistrySettings {
    urls = List.copyOf(requireNonNull(urls, "urls"));
    requireNonNull(credentialsSource, "credentialsSource");
    requireNonNull(connectTimeout, "connectTimeout");
    requireNonNull(requestTimeout, "requestTimeout");
    requireNonNull(retryBackoff, "retryBackoff");
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("at least one registry URL is required");
    }
    for (URI url : urls) {
      String scheme = url.getScheme();
      if (url.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
        throw new IllegalArgumentException(
            "registry URL must be http or https with a host: "
                + HttpSchemaRegistryClient.redact(url));
      }
    }
    if (credentialsSource == CredentialsSource.USER_INFO
        && (userInfo == null || userInfo.value().indexOf(':') < 0)) {
      throw new IllegalArgumentException(
          "credentials source USER_INFO needs user info of the form user:password");
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be positive");
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must not be negative");
    }
    if (retryBackoff.isNegative()) {
      throw new IllegalArgumentException("retryBackoff must not be negative");
    }
    if (cacheCapacity < 1) {
      throw new IllegalArgumentException("cacheCapacity must be at least 1");
    }
  }

  /** Settings with every default and no credentials, for the given URLs. */
  public static RegistrySettings of(URI... urls) {
    return new RegistrySettings(
        List.of(urls),
        CredentialsSource.URL,
        null,
        null,
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_MAX_RETRIES,
        DEFAULT_RETRY_BACKOFF,
        DEFAULT_CACHE_CAPACITY);
  }

  /** A copy that sends {@code userInfo} ({@code user:password}) to every URL. */
  public RegistrySettings withUserInfo(String userInfo) {
    return new RegistrySettings(
        urls,
        CredentialsSource.USER_INFO,
        new Password(userInfo),
        tls,
        connectTimeout,
        requestTimeout,
        maxRetries,
        retryBackoff,
        cacheCapacity);
  }

  /** A copy with other retry bounds. */
  public RegistrySettings withRetries(int maxRetries, Duration retryBackoff) {
    return new RegistrySettings(
        urls,
        credentialsSource,
        userInfo,
        tls,
        connectTimeout,
        requestTimeout,
        maxRetries,
        retryBackoff,
        cacheCapacity);
  }

  /** A copy with other timeouts. */
  public RegistrySettings withTimeouts(Duration connectTimeout, Duration requestTimeout) {
    return new RegistrySettings(
        urls,
        credentialsSource,
        userInfo,
        tls,
        connectTimeout,
        requestTimeout,
        maxRetries,
        retryBackoff,
        cacheCapacity);
  }

  /** A copy with TLS material. */
  public RegistrySettings withTls(Tls tls) {
    return new RegistrySettings(
        urls,
        credentialsSource,
        userInfo,
        tls,
        connectTimeout,
        requestTimeout,
        maxRetries,
        retryBackoff,
        cacheCapacity);
  }

  @Override
  public String toString() {
    return "RegistrySettings[urls="
        + urls.stream().map(HttpSchemaRegistryClient::redact).collect(Collectors.joining(","))
        + ", credentialsSource="
        + credentialsSource
        + ", userInfo="
        + (userInfo == null ? "none" : "[hidden]")
        + ", tls="
        + (tls == null ? "default" : "configured")
        + ", connectTimeout="
        + connectTimeout
        + ", requestTimeout="
        + requestTimeout
        + ", maxRetries="
        + maxRetries
        + ", retryBackoff="
        + retryBackoff
        + ", cacheCapacity="
        + cacheCapacity
        + "]";
  }
}
