package io.tokenwatch.embedded;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.embedded.kafka.BrokerCluster;
import io.tokenwatch.embedded.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.embedded.registry.EmbeddedSchemaRegistry;
import io.tokenwatch.embedded.registry.RegistryCredential;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one-machine platform: a real Kafka broker in this JVM and a schema registry storing its state
 * in that broker. Everything lives under one data directory ({@code <dataDir>/kafka}), so a
 * platform started again on the same directory keeps its topics, records and schema ids.
 *
 * <p>With {@link Builder#brokers(int)} above 1 the broker is instead a {@link BrokerCluster} of
 * that many KRaft nodes, each in a JVM of its own under {@code <dataDir>/cluster} (so one can be
 * killed to watch failover), on free ports; the registry stores into that cluster.
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
  private final int brokers;

  private @Nullable EmbeddedKafkaBroker broker;
  private @Nullable BrokerCluster cluster;
  private @Nullable EmbeddedSchemaRegistry registry;
  private @Nullable RegistryCredential registryCredential;

  private EmbeddedPlatform(Builder builder) {
    this.dataDir = builder.dataDir;
    this.kafkaPort = builder.kafkaPort;
    this.registryPort = builder.registryPort;
    this.brokers = builder.brokers;
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
    if (broker != null || cluster != null) {
      throw new IllegalStateException("platform already started");
    }
    RegistryCredential credential =
        RegistryCredential.loadOrCreate(registryCredentialFile(), REGISTRY_USER);
    String bootstrapServers;
    if (brokers == 1) {
      EmbeddedKafkaBroker startedBroker =
          EmbeddedKafkaBroker.builder(dataDir.resolve("kafka"))
              .brokerPort(kafkaPort)
              .build()
              .start();
      this.broker = startedBroker;
      bootstrapServers = startedBroker.bootstrapServers();
    } else {
      BrokerCluster startedCluster =
          BrokerCluster.builder(dataDir.resolve("cluster")).nodes(brokers).build().start();
      this.cluster = startedCluster;
      bootstrapServers = startedCluster.bootstrapServers();
    }
    try {
      this.registry =
          EmbeddedSchemaRegistry.builder()
              .bootstrapServers(bootstrapServers)
              .port(registryPort)
              .writeCredential(credential)
              .build()
              .start();
    } catch (RuntimeException e) {
      closeKafka();
      throw e;
    }
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
    if (running != null) {
      return running.bootstrapServers();
    }
    BrokerCluster runningCluster = cluster;
    if (runningCluster != null) {
      return runningCluster.bootstrapServers();
    }
    throw new IllegalStateException("platform not started");
  }

  /**
   * The broker cluster, when the platform runs several brokers ({@link Builder#brokers(int)});
   * empty for the single in-process broker or before the start.
   */
  public synchronized Optional<BrokerCluster> brokerCluster() {
    return Optional.ofNullable(cluster);
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
    registry = null;
    registryCredential = null;
    try {
      if (runningRegistry != null) {
        runningRegistry.close();
      }
    } finally {
      closeKafka();
    }
  }

  private void closeKafka() {
    EmbeddedKafkaBroker runningBroker = broker;
    BrokerCluster runningCluster = cluster;
    broker = null;
    cluster = null;
    try {
      if (runningBroker != null) {
        runningBroker.close();
      }
    } finally {
      if (runningCluster != null) {
        runningCluster.close();
      }
    }
  }

  /** Builds an {@link EmbeddedPlatform}. Not thread-safe. */
  public static final class Builder {
    private final Path dataDir;
    private int kafkaPort;
    private int registryPort;
    private int brokers = 1;

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

    /**
     * How many Kafka brokers to run: 1 (the default) in this process on {@link #kafkaPort}; more as
     * a {@link BrokerCluster}, one JVM per broker, on free ports. At most 9.
     */
    public Builder brokers(int brokers) {
      if (brokers < 1 || brokers > 9) {
        throw new IllegalArgumentException("brokers must be within 1..9, was " + brokers);
      }
      this.brokers = brokers;
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
