package io.tokenwatch.embedded.kafka;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker running in this JVM: KRaft mode, one node acting as both broker and
 * controller, storing everything under one data directory.
 *
 * <p>By default the node is a cluster of its own (node id 1, the only voter). Given a {@link
 * KraftQuorum} through {@link Builder#member(KraftQuorum, int)}, it is instead one node of an
 * N-node cluster: its node id, the whole static controller quorum and the shared cluster id its
 * storage is formatted with. Such a node serves clients only once a majority of the quorum runs, so
 * the nodes of a cluster are started concurrently (each in its own JVM, see {@link BrokerCluster});
 * the internal topics then get a replication factor of {@code min(3, N)} with {@code
 * min.insync.replicas} one less (at least 1), and so do topics created without explicit settings.
 *
 * <p>The data directory is persistent: the first start formats it (a new cluster id), later starts
 * on the same directory keep the cluster id, topics and records. The broker is configured so that
 * idempotent and transactional producers, consumer groups and exactly-once Kafka Streams work on a
 * single node; topics are not auto-created (create them explicitly with an admin client).
 *
 * <p>Ports configured as {@code 0} are chosen from the free ports at the first {@link #start()} and
 * kept for later restarts of the same instance, so {@link #bootstrapServers()} stays stable.
 *
 * <p>An instance may be started, stopped and started again ({@link #stop()} then {@link #start()});
 * a new instance on the same data directory is equally valid once the old one stopped. Two running
 * brokers cannot share a data directory. All methods are thread-safe.
 *
 * <p>Kafka's own fatal-fault handling applies in-process: a fault Kafka deems unrecoverable (such
 * as a corrupt metadata log) halts the JVM, as it would stop a standalone broker.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder(dataDir).build().start()) {
 *   String bootstrap = broker.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

  private static final int DEFAULT_NODE_ID = 1;
  private static final String BROKER_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final String LOCK_FILE = "broker.lock";
  private static final String KAFKA_DIR = "kafka";

  private final Path dataDir;
  private final String host;
  private final Map<String, String> extraProperties;
  private final int nodeId;
  private final @Nullable KraftQuorum quorum;
  private int brokerPort;
  private int controllerPort;

  private @Nullable KafkaRaftServer server;
  private @Nullable FileChannel lockChannel;
  private @Nullable FileLock lock;
  private @Nullable String clusterId;
  private @Nullable Duration startupDuration;
  private @Nullable Duration shutdownDuration;

  private EmbeddedKafkaBroker(Builder builder) {
    this.dataDir = builder.dataDir.toAbsolutePath().normalize();
    this.host = builder.host;
    this.brokerPort = builder.brokerPort;
    this.extraProperties = Map.copyOf(builder.extraProperties);
    this.quorum = builder.quorum;
    this.nodeId = builder.quorum == null ? DEFAULT_NODE_ID : builder.nodeId;
    this.controllerPort =
        builder.quorum == null ? builder.controllerPort : builder.quorum.controllerPort(nodeId);
  }

  /**
   * Starts configuring a broker that stores its data under {@code dataDir} (created if missing).
   *
   * @throws NullPointerException if {@code dataDir} is null
   */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /**
   * Starts the broker and returns once it accepts client requests. Formats the data directory first
   * if it has never held a broker.
   *
   * @return this broker, for chaining
   * @throws IllegalStateException if the broker is already running
   * @throws EmbeddedKafkaException if a port is in use, the data directory is unusable or held by
   *     another broker, or Kafka fails to start; nothing is left running in that case
   */
  public synchronized EmbeddedKafkaBroker start() {
    if (server != null) {
      throw new IllegalStateException("broker already running on " + bootstrapServers());
    }
    long startNanos = System.nanoTime();
    Path kafkaDir = prepareDataDir();
    lockDataDir();
    try {
      if (brokerPort == 0) {
        brokerPort = freePort();
      }
      if (controllerPort == 0) {
        // Each probe's port is free again once probed: the system may hand the broker's out twice.
        do {
          controllerPort = freePort();
        } while (controllerPort == brokerPort);
      }
      ensurePortFree("broker", brokerPort);
      ensurePortFree("controller", controllerPort);
      KafkaConfig config = new KafkaConfig(brokerProperties(kafkaDir), false);
      boolean formatted =
          BrokerStorage.formatIfNeeded(
              config,
              kafkaDir,
              CONTROLLER_LISTENER,
              quorum == null ? Uuid.randomUuid().toString() : quorum.clusterId());
      String formattedClusterId = BrokerStorage.clusterId(kafkaDir);
      if (quorum != null && !quorum.clusterId().equals(formattedClusterId)) {
        throw new EmbeddedKafkaException(
            "data directory "
                + dataDir
                + " belongs to cluster "
                + formattedClusterId
                + ", not to cluster "
                + quorum.clusterId()
                + " this node was asked to join");
      }
      KafkaRaftServer started = new KafkaRaftServer(config, Time.SYSTEM);
      try {
        started.startup();
      } catch (RuntimeException e) {
        shutDownQuietly(started);
        throw e;
      }
      server = started;
      clusterId = formattedClusterId;
      startupDuration = Duration.ofNanos(System.nanoTime() - startNanos);
      log.info(
          "Kafka broker {} ready on {} in {} ms (cluster {}, {} data directory {})",
          nodeId,
          bootstrapServers(),
          startupDuration.toMillis(),
          clusterId,
          formatted ? "new" : "existing",
          dataDir);
      return this;
    } catch (EmbeddedKafkaException e) {
      releaseLock();
      throw e;
    } catch (Exception e) {
      releaseLock();
      throw translateStartFailure(e);
    }
  }

  /**
   * Stops the broker and waits until it has shut down; the data directory keeps everything for a
   * later {@link #start()}. Does nothing if the broker is not running.
   */
  public synchronized void stop() {
    KafkaRaftServer running = server;
    if (running == null) {
      return;
    }
    long stopNanos = System.nanoTime();
    server = null;
    try {
      running.shutdown();
      running.awaitShutdown();
    } finally {
      releaseLock();
      shutdownDuration = Duration.ofNanos(System.nanoTime() - stopNanos);
      log.info("Kafka broker stopped in {} ms", shutdownDuration.toMillis());
    }
  }

  /** Same as {@link #stop()}; idempotent. */
  @Override
  public void close() {
    stop();
  }

  /** Whether the broker is currently running. */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /**
   * The {@code bootstrap.servers} value for clients, {@code host:port}.
   *
   * @throws IllegalStateException if the broker port is still to be chosen (0 and never started)
   */
  public synchronized String bootstrapServers() {
    if (brokerPort == 0) {
      throw new IllegalStateException("broker port not chosen yet: start the broker first");
    }
    return host + ":" + brokerPort;
  }

  /** The port clients connect to, or 0 if it is still to be chosen at the first start. */
  public synchronized int brokerPort() {
    return brokerPort;
  }

  /** The KRaft controller port, or 0 if it is still to be chosen at the first start. */
  public synchronized int controllerPort() {
    return controllerPort;
  }

  /** This node's id: 1 for a single-node broker, else as given to {@link Builder#member}. */
  public int nodeId() {
    return nodeId;
  }

  /** The absolute data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * The cluster id recorded in the data directory.
   *
   * @throws IllegalStateException if the broker has never been started by this instance
   */
  public synchronized String clusterId() {
    if (clusterId == null) {
      throw new IllegalStateException("cluster id unknown: start the broker first");
    }
    return clusterId;
  }

  /**
   * Time from {@link #start()} being called until the broker accepted clients, for the last
   * successful start.
   *
   * @throws IllegalStateException if the broker has never started successfully
   */
  public synchronized Duration startupDuration() {
    if (startupDuration == null) {
      throw new IllegalStateException("broker has not started yet");
    }
    return startupDuration;
  }

  /**
   * Time the last {@link #stop()} took.
   *
   * @throws IllegalStateException if the broker has never been stopped
   */
  public synchronized Duration shutdownDuration() {
    if (shutdownDuration == null) {
      throw new IllegalStateException("broker has not been stopped yet");
    }
    return shutdownDuration;
  }

  private Path prepareDataDir() {
    Path kafkaDir = dataDir.resolve(KAFKA_DIR);
    try {
      Files.createDirectories(kafkaDir);
    } catch (IOException | RuntimeException e) {
      throw new EmbeddedKafkaException(
          "data directory "
              + dataDir
              + " is not usable: cannot create "
              + kafkaDir
              + " ("
              + e
              + ")",
          e);
    }
    if (!Files.isWritable(kafkaDir)) {
      throw new EmbeddedKafkaException(
          "data directory " + dataDir + " is not usable: " + kafkaDir + " is not writable");
    }
    return kafkaDir;
  }

  private void lockDataDir() {
    Path lockFile = dataDir.resolve(LOCK_FILE);
    FileChannel channel;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new EmbeddedKafkaException(
          "data directory " + dataDir + " is not usable: cannot open " + lockFile + " (" + e + ")",
          e);
    }
    FileLock acquired;
    try {
      acquired = channel.tryLock();
    } catch (OverlappingFileLockException | IOException e) {
      acquired = null;
    }
    if (acquired == null) {
      closeQuietly(channel);
      throw new EmbeddedKafkaException(
          "data directory " + dataDir + " is already used by another running broker");
    }
    lockChannel = channel;
    lock = acquired;
  }

  private void releaseLock() {
    FileLock held = lock;
    FileChannel channel = lockChannel;
    lock = null;
    lockChannel = null;
    if (held != null) {
      try {
        held.release();
      } catch (IOException e) {
        log.warn("Could not release the lock on data directory {}", dataDir, e);
      }
    }
    if (channel != null) {
      closeQuietly(channel);
    }
  }

  private Map<String, String> brokerProperties(Path kafkaDir) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(nodeId));
    props.put(
        "controller.quorum.voters",
        quorum == null ? nodeId + "@" + host + ":" + controllerPort : quorum.votersProperty());
    props.put(
        "listeners",
        BROKER_LISTENER
            + "://"
            + host
            + ":"
            + brokerPort
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + host
            + ":"
            + controllerPort);
    props.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + brokerPort);
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put("inter.broker.listener.name", BROKER_LISTENER);
    props.put(
        "listener.security.protocol.map",
        BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    props.put("log.dirs", kafkaDir.toString());
    props.put("metadata.log.dir", kafkaDir.toString());
    // One node: every internal topic must be satisfiable with a single replica, or transactions,
    // consumer groups and share groups stall waiting for replicas that never come. Several nodes:
    // three replicas where there are three, and a write needs all but one of them.
    int nodes = quorum == null ? 1 : quorum.size();
    String replication = Integer.toString(Math.min(3, nodes));
    String minInsync = Integer.toString(Math.max(1, Math.min(3, nodes) - 1));
    props.put("offsets.topic.replication.factor", replication);
    props.put("transaction.state.log.replication.factor", replication);
    props.put("transaction.state.log.min.isr", minInsync);
    props.put("share.coordinator.state.topic.replication.factor", replication);
    props.put("share.coordinator.state.topic.min.isr", minInsync);
    props.put("default.replication.factor", replication);
    props.put("min.insync.replicas", minInsync);
    // Fewer internal partitions than a production cluster: one machine gains nothing from 50.
    props.put("offsets.topic.num.partitions", "8");
    props.put("transaction.state.log.num.partitions", "8");
    props.put("num.partitions", "3");
    props.put("group.initial.rebalance.delay.ms", "0");
    // Topics are part of the application's contract and created explicitly, never by a typo.
    props.put("auto.create.topics.enable", "false");
    // The default 128 MiB cleaner buffer is sized for big clusters and would sit in this JVM's
    // heap.
    props.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
    props.putAll(extraProperties);
    return props;
  }

  private void ensurePortFree(String role, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new EmbeddedKafkaException(
          role + " port " + port + " on " + host + " is already in use (" + e.getMessage() + ")",
          e);
    }
  }

  private int freePort() {
    // The port is free when probed; another process could take it before Kafka binds, in which
    // case the start fails with a message naming the port.
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, 0));
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new EmbeddedKafkaException("cannot find a free port on " + host + ": " + e, e);
    }
  }

  private EmbeddedKafkaException translateStartFailure(Exception e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      String message = String.valueOf(cause.getMessage());
      if (message.contains("Address already in use") || message.contains("failed to bind")) {
        return new EmbeddedKafkaException(
            "a port of the broker (broker "
                + brokerPort
                + ", controller "
                + controllerPort
                + " on "
                + host
                + ") is already in use: "
                + message,
            e);
      }
    }
    return new EmbeddedKafkaException(
        "Kafka broker failed to start with data directory " + dataDir + ": " + e, e);
  }

  private static void shutDownQuietly(KafkaRaftServer failed) {
    try {
      failed.shutdown();
      failed.awaitShutdown();
    } catch (RuntimeException e) {
      log.warn("Error while shutting down a broker that failed to start", e);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      log.warn("Could not close {}", channel, e);
    }
  }

  /**
   * Configures an {@link EmbeddedKafkaBroker}. Defaults: host {@code localhost}, both ports 0 (free
   * ports chosen at the first start), no extra properties.
   */
  public static final class Builder {
    private final Path dataDir;
    private String host = "localhost";
    private int brokerPort;
    private int controllerPort;
    private int nodeId = DEFAULT_NODE_ID;
    private @Nullable KraftQuorum quorum;
    private final Map<String, String> extraProperties = new LinkedHashMap<>();

    private Builder(Path dataDir) {
      this.dataDir = requireNonNull(dataDir, "dataDir");
    }

    /** The host name the broker binds to and advertises to clients. */
    public Builder host(String host) {
      requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException("host must not be blank");
      }
      this.host = host;
      return this;
    }

    /** The client port; 0 chooses a free port. */
    public Builder brokerPort(int port) {
      this.brokerPort = checkPort(port, "brokerPort");
      return this;
    }

    /**
     * The KRaft controller port; 0 chooses a free port. Ignored for a {@link #member} of a
     * multi-node quorum, whose controller port is its voter address.
     */
    public Builder controllerPort(int port) {
      this.controllerPort = checkPort(port, "controllerPort");
      return this;
    }

    /**
     * Makes the broker node {@code nodeId} of the cluster described by {@code quorum}: its storage
     * is formatted with the quorum's cluster id, its controller listens on its voter address, and
     * it refuses a data directory formatted for another cluster.
     *
     * @throws IllegalArgumentException if {@code nodeId} is not one of the quorum's voters
     */
    public Builder member(KraftQuorum quorum, int nodeId) {
      requireNonNull(quorum, "quorum").controllerPort(nodeId);
      this.quorum = quorum;
      this.nodeId = nodeId;
      return this;
    }

    /**
     * A Kafka broker property applied after, and so overriding, the embedded defaults. Overriding
     * listeners, node id or directories breaks the broker's assumptions; tune everything else.
     */
    public Builder property(String key, String value) {
      extraProperties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    /** Several broker properties, as by {@link #property(String, String)}. */
    public Builder properties(Map<String, String> properties) {
      requireNonNull(properties, "properties").forEach(this::property);
      return this;
    }

    /** A broker with this configuration, not yet started. */
    public EmbeddedKafkaBroker build() {
      return new EmbeddedKafkaBroker(this);
    }

    private static int checkPort(int port, String name) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException(name + " must be within 0..65535, was " + port);
      }
      return port;
    }
  }
}
