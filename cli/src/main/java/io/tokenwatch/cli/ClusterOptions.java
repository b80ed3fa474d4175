package io.tokenwatch.cli;

import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.embedded.kafka.BrokerCluster;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where the Kafka cluster and schema registry are: started in this process on embedded defaults, or
 * an external cluster named by {@code --bootstrap-servers} and {@code --schema-registry-url}.
 */
final class ClusterOptions {

  @Spec(Spec.Target.MIXEE)
  @Nullable CommandSpec spec;

  @Option(
      names = "--data-dir",
      defaultValue = "${env:TOKENWATCH_DATA_DIR:-data}",
      description =
          "Directory of the embedded platform's state (broker log, registry, keys)."
              + " Default: $TOKENWATCH_DATA_DIR, else ./data.")
  Path dataDir = Path.of("data");

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Port of the embedded broker; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  int kafkaPort = 9092;

  @Option(
      names = "--registry-port",
      defaultValue = "8081",
      description =
          "Port of the embedded schema registry; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  int registryPort = 8081;

  @Option(
      names = "--bootstrap-servers",
      description = "Use this external Kafka cluster instead of the embedded broker.")
  @Nullable String bootstrapServers;

  @Option(
      names = "--schema-registry-url",
      description =
          "Use this external Confluent-compatible schema registry instead of the embedded one.")
  @Nullable String schemaRegistryUrl;

  @Option(
      names = RegistryCredentialOption.NAME,
      paramLabel = "FILE",
      description =
          "With --schema-registry-url: a file holding user:password for that registry's HTTP"
              + " basic auth. The embedded registry's is generated into <data-dir>/"
              + EmbeddedPlatform.REGISTRY_CREDENTIAL_FILE
              + ".")
  @Nullable Path registryCredentialFile;

  /** A cluster to talk to, closed when the command ends. */
  interface Cluster extends AutoCloseable {
    String bootstrapServers();

    String schemaRegistryUrl();

    /** The embedded platform's data directory, when this process runs it. */
    Optional<Path> dataDir();

    /**
     * What a registry client of this cluster needs, under the serdes' keys: {@code
     * schema.registry.url} and, when known, the credential that lets it register schemas ({@code
     * basic.auth.*}).
     */
    Map<String, Object> registryClientSettings();

    /** The file holding the registry credential, when this process generated it. */
    Optional<Path> registryCredentialFile();

    /** The broker JVMs this process started, when it runs several brokers. */
    default Optional<BrokerCluster> brokerCluster() {
      return Optional.empty();
    }

    @Override
    void close();
  }

  /** Starts the embedded platform, or names the external cluster. */
  Cluster open() {
    return open(1);
  }

  /**
   * Starts the embedded platform with {@code brokers} brokers (more than one: a broker JVM each),
   * or names the external cluster.
   */
  Cluster open(int brokers) {
    boolean external = bootstrapServers != null || schemaRegistryUrl != null;
    if (external) {
      if (bootstrapServers == null || schemaRegistryUrl == null) {
        throw new ParameterException(
            requireSpec().commandLine(),
            "an external cluster needs both --bootstrap-servers and --schema-registry-url");
      }
      if (brokers != 1) {
        throw new ParameterException(
            requireSpec().commandLine(),
            "--brokers is for the embedded platform; an external cluster has its own brokers");
      }
      String bootstrap = bootstrapServers;
      String registry = schemaRegistryUrl;
      Map<String, Object> registryClient = new LinkedHashMap<>();
      registryClient.put(SerdeConfig.SCHEMA_REGISTRY_URL, registry);
      if (registryCredentialFile != null) {
        registryClient.putAll(RegistryCredentialOption.settings(registryCredentialFile));
      }
      return new Cluster() {
        @Override
        public String bootstrapServers() {
          return bootstrap;
        }

        @Override
        public String schemaRegistryUrl() {
          return registry;
        }

        @Override
        public Optional<Path> dataDir() {
          return Optional.empty();
        }

        @Override
        public Map<String, Object> registryClientSettings() {
          return registryClient;
        }

        @Override
        public Optional<Path> registryCredentialFile() {
          return Optional.empty();
        }

        @Override
        public void close() {}
      };
    }
    if (registryCredentialFile != null) {
      throw new ParameterException(
          requireSpec().commandLine(),
          RegistryCredentialOption.NAME
              + " is for an external registry (--schema-registry-url); the embedded one's"
              + " credential is generated into the data directory");
    }
    validatePort("--kafka-port", kafkaPort);
    validatePort("--registry-port", registryPort);
    Path dir = dataDir.toAbsolutePath().normalize();
    if (brokers < 1 || brokers > 9) {
      throw new ParameterException(
          requireSpec().commandLine(), "--brokers must be between 1 and 9, was " + brokers);
    }
    EmbeddedPlatform platform =
        EmbeddedPlatform.builder(dir)
            .kafkaPort(kafkaPort)
            .registryPort(registryPort)
            .brokers(brokers)
            .build();
    platform.start();
    return embedded(platform, dir, true);
  }

  /**
   * A started embedded platform as a cluster.
   *
   * @param owned whether closing the cluster stops the platform
   */
  static Cluster embedded(EmbeddedPlatform platform, Path dir, boolean owned) {
    return new Cluster() {
      @Override
      public String bootstrapServers() {
        return platform.bootstrapServers();
      }

      @Override
      public String schemaRegistryUrl() {
        return platform.schemaRegistryUrl();
      }

      @Override
      public Optional<Path> dataDir() {
        return Optional.of(dir);
      }

      @Override
      public Map<String, Object> registryClientSettings() {
        return platform.schemaRegistryClientSettings();
      }

      @Override
      public Optional<Path> registryCredentialFile() {
        return Optional.of(platform.registryCredentialFile());
      }

      @Override
      public Optional<BrokerCluster> brokerCluster() {
        return platform.brokerCluster();
      }

      @Override
      public void close() {
        if (owned) {
          platform.close();
        }
      }
    };
  }

  private void validatePort(String option, int port) {
    if (port < 0 || port > 65535) {
      throw new ParameterException(
          requireSpec().commandLine(), option + " must be between 0 and 65535, was " + port);
    }
  }

  private CommandSpec requireSpec() {
    if (spec == null) {
      throw new IllegalStateException("picocli did not inject the command spec");
    }
    return spec;
  }
}
