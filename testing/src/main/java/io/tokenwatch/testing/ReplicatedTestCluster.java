package io.tokenwatch.testing;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.embedded.kafka.BrokerCluster;
import io.tokenwatch.embedded.registry.EmbeddedSchemaRegistry;
import io.tokenwatch.embedded.registry.RegistryCredential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka cluster of several brokers for fault tests, each broker (a KRaft node, also a controller)
 * in a JVM of its own so that a test can SIGKILL one, plus the embedded schema registry storing its
 * log in that cluster. On three or more brokers every topic created without explicit settings, and
 * every internal topic, has three replicas and {@code min.insync.replicas=2}; {@code TopicEnsurer}
 * creates the catalogue with the same.
 *
 * <p>Unlike the JVM-wide {@link TestCluster} of {@link KafkaIntegrationTest}, each instance is the
 * test's own: start it in the test (or in a {@code @BeforeAll}) and close it, for example
 *
 * <pre>{@code
 * @AutoClose static ReplicatedTestCluster cluster;
 *
 * @BeforeAll
 * static void startCluster() {
 *   cluster = ReplicatedTestCluster.start(3);
 * }
 * }</pre>
 *
 * <p>Its data lives in a temporary directory deleted on close; the brokers' logs too, unless the
 * cluster is kept for inspection with {@link #logFile(int)} before closing. Thread-safe.
 */
public final class ReplicatedTestCluster implements TestCluster, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicatedTestCluster.class);

  private final Path dataDir;
  private final BrokerCluster brokers;
  private final EmbeddedSchemaRegistry registry;
  private final RegistryCredential credential;

  private ReplicatedTestCluster(
      Path dataDir,
      BrokerCluster brokers,
      EmbeddedSchemaRegistry registry,
      RegistryCredential credential) {
    this.dataDir = dataDir;
    this.brokers = brokers;
    this.registry = registry;
    this.credential = credential;
  }

  /**
   * Starts {@code brokers} broker JVMs and the registry, and returns once every broker is live.
   *
   * @throws IllegalArgumentException if {@code brokers} is not within 1..9
   * @throws io.tokenwatch.embedded.kafka.EmbeddedKafkaException if the cluster does not form
   */
  public static ReplicatedTestCluster start(int brokers) {
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("tokenwatch-test-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a data directory for the test cluster", e);
    }
    BrokerCluster cluster =
        BrokerCluster.builder(dataDir)
            .nodes(brokers)
            .maxHeap("320m")
            .startTimeout(Duration.ofMinutes(3))
            .build();
    try {
      cluster.start();
    } catch (RuntimeException e) {
      deleteQuietly(dataDir);
      throw e;
    }
    try {
      RegistryCredential credential = RegistryCredential.random("tokenwatch-test");
      EmbeddedSchemaRegistry registry =
          EmbeddedSchemaRegistry.builder()
              .bootstrapServers(cluster.bootstrapServers())
              .writeCredential(credential)
              .build()
              .start();
      log.info(
          "Test cluster: {} brokers on {} (started in {} ms), schema registry on {}",
          brokers,
          cluster.bootstrapServers(),
          cluster.startupDuration().toMillis(),
          registry.url());
      return new ReplicatedTestCluster(dataDir, cluster, registry, credential);
    } catch (RuntimeException e) {
      cluster.close();
      deleteQuietly(dataDir);
      throw e;
    }
  }

  @Override
  public String bootstrapServers() {
    return brokers.bootstrapServers();
  }

  @Override
  public String schemaRegistryUrl() {
    return credential.inUrl(registry.url());
  }

  @Override
  public Kind kind() {
    return Kind.BROKER_CLUSTER;
  }

  /** The broker ids, 1 to N. */
  public Set<Integer> brokerIds() {
    return brokers.nodeIds();
  }

  /** The broker leading {@code partition} of {@code topic} now; empty while it has none. */
  public OptionalInt leaderOf(String topic, int partition) {
    return brokers.leaderOf(new TopicPartition(requireNonNull(topic, "topic"), partition));
  }

  /** SIGKILLs broker {@code brokerId} and waits until its JVM is gone. */
  public void kill(int brokerId) {
    brokers.kill(brokerId);
  }

  /** Starts a killed broker again and waits until the cluster counts it live. */
  public void restart(int brokerId) {
    brokers.restart(brokerId);
  }

  /** Whether broker {@code brokerId} runs. */
  public boolean isRunning(int brokerId) {
    return brokers.isRunning(brokerId);
  }

  /** How long the brokers took to form the cluster. */
  public Duration startupDuration() {
    return brokers.startupDuration();
  }

  /** The last {@code lines} lines of broker {@code brokerId}'s output, for failure messages. */
  public String logTail(int brokerId, int lines) {
    return brokers.logTail(brokerId, lines);
  }

  /** Where broker {@code brokerId}'s output goes (deleted on close). */
  public Path logFile(int brokerId) {
    return brokers.logFile(brokerId);
  }

  /** Stops the registry, then every broker, and deletes the data. Idempotent. */
  @Override
  public void close() {
    try {
      registry.close();
    } finally {
      try {
        brokers.close();
      } finally {
        deleteQuietly(dataDir);
      }
    }
  }

  @Override
  public String toString() {
    return "Kafka cluster on "
        + brokers.bootstrapServers()
        + " with schema registry on "
        + registry.url();
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(ReplicatedTestCluster::deleteOne);
    } catch (IOException | UncheckedIOException e) {
      log.warn("Could not delete test cluster data directory {}: {}", dir, e.toString());
    }
  }

  private static void deleteOne(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
