package io.tokenwatch.embedded;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.embedded.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.embedded.registry.EmbeddedSchemaRegistry;
import io.tokenwatch.embedded.registry.RegistryCredential;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one-machine platform: a real Kafka broker in this JVM and a schema registry storing its state
 * in that broker. Everything lives under one data directory ({@code <dataDir>/kafka}), so a
 * platform started again on the same directory keeps its topics, records and schema ids.
 *
 * <p>The registry's reads are open; its changes need the platform's credential, generated on first
 * start into {@code <dataDir>/}{@value #REGISTRY_CREDENTIAL_FILE} (owner-only) and handed to
 * clients by {@link #schemaRegistryClientSettings()}.
 *
 * <pre>{@code
 * try (EmbeddedPlatform platform = EmbeddedPlatform.builder(dataDir).build().start()) {
 *   String bootstrap = platform.bootstrapServers();
 *   String registry = platform.schemaRegistryUrl();
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class EmbeddedPlatform implements AutoCloseable {

  /**
   * The file in the data directory holding the registry's write credential ({@code user:secret}).
   */
  public static final String REGISTRY_CREDENTIAL_FILE = "schema-registry.credential";

  /** The user name of the registry credential the platform generates. */
  public static final String REGISTRY_USER = "tokenwatch";

  private final Path dataDir;
  private final int kafkaPort;
  private final int registryPort;

  private @Nullable EmbeddedKafkaBroker broker;
  private @Nullable EmbeddedSchemaRegistry registry;
  private @Nullable RegistryCredential registryCredential;

  private EmbeddedPlatform(Builder builder) {
    this.dataDir = builder.dataDir;
    this.kafkaPort = builder.kafkaPort;
    this.registryPort = builder.registryPort;
  }

  /** Starts configuring a platform that keeps everything under {@code dataDir}. */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /**
   * Starts the broker, then the registry against it; returns once both serve.
   *
   * @return this, started
   * @throws IllegalStateException if already started
   * @throws RuntimeException if either fails to start; nothing is left running then
   */
  public synchronized EmbeddedPlatform start() {
    if (broker != null) {
      throw new IllegalStateException("platform already started");
    }
    RegistryCredential credential =
        RegistryCredential.loadOrCreate(registryCredentialFile(), REGISTRY_USER);
    EmbeddedKafkaBroker startedBroker =
        EmbeddedKafkaBroker.builder(dataDir.resolve("kafka")).brokerPort(kafkaPort).build().start();
    try {
      this.registry =
          EmbeddedSchemaRegistry.builder()
              .bootstrapServers(startedBroker.bootstrapServers())
              .port(registryPort)
              .writeCredential(credential)
              .build()
              .start();
    } catch (RuntimeException e) {
      startedBroker.close();
      throw e;
    }
    this.broker = startedBroker;
    this.registryCredential = credential;
    return this;
  }

  /**
   * The broker's {@code bootstrap.servers}.
   *
   * @throws IllegalStateException if not started
   */
  public synchronized String bootstrapServers() {
    EmbeddedKafkaBroker running = broker;
    if (running == null) {
      throw new IllegalStateException("platform not started");
    }
    return running.bootstrapServers();
  }

  /**
   * The registry's {@code schema.registry.url}.
   *
   * @throws IllegalStateException if not started
   */
  public synchronized String schemaRegistryUrl() {
    EmbeddedSchemaRegistry running = registry;
    if (running == null) {
      throw new IllegalStateException("platform not started");
    }
    return running.url();
  }

  /**
   * The credential that lets a client change the registry; reads need none.
   *
   * @throws IllegalStateException if not started
   */
  public synchronized RegistryCredential schemaRegistryCredential() {
    RegistryCredential credential = registryCredential;
    if (credential == null) {
      throw new IllegalStateException("platform not started");
    }
    return credential;
  }

  /**
   * What a registry client of this platform needs, under the serdes' keys: {@code
   * schema.registry.url} and the credential ({@code basic.auth.credentials.source=USER_INFO},
   * {@code basic.auth.user.info} as a {@link org.apache.kafka.common.config.types.Password}).
   *
   * @throws IllegalStateException if not started
   */
  public synchronized Map<String, Object> schemaRegistryClientSettings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(SerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl());
    settings.putAll(schemaRegistryCredential().clientSettings());
    return settings;
  }

  /** Where the registry's write credential is kept: {@value #REGISTRY_CREDENTIAL_FILE}. */
  public Path registryCredentialFile() {
    return dataDir.resolve(REGISTRY_CREDENTIAL_FILE);
  }

  /** The directory everything is kept in. */
  public Path dataDir() {
    return dataDir;
  }

  /** Stops the registry, then the broker it stores into. Idempotent. */
  @Override
  public synchronized void close() {
    EmbeddedSchemaRegistry runningRegistry = registry;
    EmbeddedKafkaBroker runningBroker = broker;
    registry = null;
    broker = null;
    registryCredential = null;
    try {
      if (runningRegistry != null) {
        runningRegistry.close();
      }
    } finally {
      if (runningBroker != null) {
        runningBroker.close();
      }
    }
  }

  /** Builds an {@link EmbeddedPlatform}. Not thread-safe. */
  public static final class Builder {
    private final Path dataDir;
    private int kafkaPort;
    private int registryPort;

    private Builder(Path dataDir) {
      this.dataDir = requireNonNull(dataDir, "dataDir").toAbsolutePath().normalize();
    }

    /** The broker's client port; 0 (the default) picks a free one. */
    public Builder kafkaPort(int port) {
      this.kafkaPort = checkPort(port);
      return this;
    }

    /** The schema registry's HTTP port; 0 (the default) picks a free one. */
    public Builder registryPort(int port) {
      this.registryPort = checkPort(port);
      return this;
    }

    public EmbeddedPlatform build() {
      return new EmbeddedPlatform(this);
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be within 0..65535: " + port);
      }
      return port;
    }
  }
}
