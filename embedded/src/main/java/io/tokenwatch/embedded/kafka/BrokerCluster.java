package io.tokenwatch.embedded.kafka;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka cluster of N KRaft nodes on this machine, each node ({@link BrokerNode}) in a JVM of its
 * own, so that one can be killed like a real broker and started again.
 *
 * <p>{@link #start()} picks free ports, starts every node at once (each formats its own storage
 * under {@code <dataDir>/node-<id>} with the cluster's shared id, kept in {@code
 * <dataDir>/cluster.id} so a later start on the same directory is the same cluster) and returns
 * once the cluster reports N live brokers. Each node's output goes to {@code
 * <dataDir>/node-<id>.log}.
 *
 * <p>No node outlives this handle: {@link #close()} stops them, a JVM shutdown hook does the same
 * if the owner forgets, and each node also stops by itself when the owner's JVM dies, however it
 * dies (its standard input, a pipe from this JVM, ends).
 *
 * <pre>{@code
 * try (BrokerCluster cluster = BrokerCluster.builder(dir).nodes(3).build().start()) {
 *   int leader = cluster.leaderOf(new TopicPartition("orders", 0)).orElseThrow();
 *   cluster.kill(leader);
 *   cluster.restart(leader);
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class BrokerCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrokerCluster.class);

  private static final String CLUSTER_ID_FILE = "cluster.id";
  private static final Duration POLL = Duration.ofMillis(100);

  private final Path dataDir;
  private final String host;
  private final int size;
  private final String maxHeap;
  private final Duration startTimeout;
  private final Map<String, String> properties;

  private final Map<Integer, Integer> brokerPorts = new TreeMap<>();
  private final Map<Integer, Process> processes = new TreeMap<>();
  private @Nullable KraftQuorum quorum;
  private @Nullable Thread shutdownHook;
  private @Nullable Duration startupDuration;

  private BrokerCluster(Builder builder) {
    this.dataDir = builder.dataDir;
    this.host = builder.host;
    this.size = builder.nodes;
    this.maxHeap = builder.maxHeap;
    this.startTimeout = builder.startTimeout;
    this.properties = Map.copyOf(builder.properties);
  }

  /** Starts configuring a cluster kept under {@code dataDir} (created if missing). */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /**
   * Starts every node and returns once the cluster has as many live brokers as nodes.
   *
   * @return this, started
   * @throws IllegalStateException if already started
   * @throws EmbeddedKafkaException if a node fails to start or the cluster does not form within the
   *     start timeout (the message ends with the failing node's last output); nothing is left
   *     running then
   */
  public synchronized BrokerCluster start() {
    if (quorum != null) {
      throw new IllegalStateException("cluster already started");
    }
    long startNanos = System.nanoTime();
    String clusterId = loadOrCreateClusterId();
    Map<Integer, Integer> controllerPorts = new TreeMap<>();
    List<Integer> ports = freePorts(2 * size);
    for (int node = 1; node <= size; node++) {
      brokerPorts.put(node, ports.get(2 * (node - 1)));
      controllerPorts.put(node, ports.get(2 * (node - 1) + 1));
    }
    quorum = KraftQuorum.of(clusterId, host, controllerPorts);
    Thread hook = new Thread(this::stopAll, "broker-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    shutdownHook = hook;
    try {
      long deadline = System.nanoTime() + startTimeout.toNanos();
      for (int node : brokerPorts.keySet()) {
        launch(node);
      }
      for (int node : brokerPorts.keySet()) {
        awaitReady(node, deadline);
      }
      awaitBrokers(brokerPorts.keySet(), deadline);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    startupDuration = Duration.ofNanos(System.nanoTime() - startNanos);
    log.info(
        "Kafka cluster {} of {} nodes ready on {} in {} ms",
        clusterId,
        size,
        bootstrapServers(),
        startupDuration.toMillis());
    return this;
  }

  /** The {@code bootstrap.servers} value for clients: every node's {@code host:port}. */
  public synchronized String bootstrapServers() {
    requireStarted();
    return brokerPorts.values().stream()
        .map(port -> host + ":" + port)
        .collect(Collectors.joining(","));
  }

  /** The node ids, 1 to N. */
  public synchronized Set<Integer> nodeIds() {
    requireStarted();
    return Set.copyOf(brokerPorts.keySet());
  }

  /** The client port of {@code nodeId}. */
  public synchronized int brokerPort(int nodeId) {
    requireStarted();
    return requireNonNull(brokerPorts.get(checkNode(nodeId)), "port");
  }

  /** The operating-system process id of {@code nodeId}, empty while that node is not running. */
  public synchronized OptionalInt pid(int nodeId) {
    Process process = processes.get(checkNode(nodeId));
    return process != null && process.isAlive()
        ? OptionalInt.of(Math.toIntExact(process.pid()))
        : OptionalInt.empty();
  }

  /** Whether the process of {@code nodeId} is alive. */
  public synchronized boolean isRunning(int nodeId) {
    return pid(nodeId).isPresent();
  }

  /** Where the output of {@code nodeId} goes. */
  public Path logFile(int nodeId) {
    return dataDir.resolve("node-" + nodeId + ".log");
  }

  /** The cluster id shared by every node. */
  public synchronized String clusterId() {
    return requireStarted().clusterId();
  }

  /** How long the last {@link #start()} took until the cluster had all its brokers. */
  public synchronized Duration startupDuration() {
    if (startupDuration == null) {
      throw new IllegalStateException("cluster has not started yet");
    }
    return startupDuration;
  }

  /**
   * Kills {@code nodeId} with SIGKILL, as a power cut would, and waits until its process is gone.
   * Does nothing if the node is not running.
   */
  public synchronized void kill(int nodeId) {
    Process process = processes.remove(checkNode(nodeId));
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    awaitExit(process, nodeId);
    log.info("Killed Kafka node {} (pid {})", nodeId, process.pid());
  }

  /**
   * Starts {@code nodeId} again on its data directory and ports, and returns once the cluster
   * counts it as a live broker again.
   *
   * @throws IllegalStateException if the node is running
   * @throws EmbeddedKafkaException if it does not come back within the start timeout
   */
  public synchronized void restart(int nodeId) {
    requireStarted();
    if (isRunning(nodeId)) {
      throw new IllegalStateException("node " + nodeId + " is running: kill it first");
    }
    long deadline = System.nanoTime() + startTimeout.toNanos();
    launch(nodeId);
    awaitReady(nodeId, deadline);
    awaitBrokers(Set.of(nodeId), deadline);
  }

  /**
   * The node leading {@code partition} now, as the cluster's metadata says; empty while it has no
   * leader or the topic is unknown.
   */
  public OptionalInt leaderOf(TopicPartition partition) {
    requireNonNull(partition, "partition");
    try (Admin admin = admin()) {
      TopicDescription description =
          admin
              .describeTopics(List.of(partition.topic()))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(partition.topic());
      if (description == null) {
        return OptionalInt.empty();
      }
      for (TopicPartitionInfo info : description.partitions()) {
        if (info.partition() == partition.partition()) {
          Node leader = info.leader();
          return leader == null || leader.isEmpty()
              ? OptionalInt.empty()
              : OptionalInt.of(leader.id());
        }
      }
      return OptionalInt.empty();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return OptionalInt.empty();
      }
      throw new EmbeddedKafkaException("cannot describe " + partition.topic() + ": " + e, e);
    } catch (TimeoutException e) {
      throw new EmbeddedKafkaException("timed out describing " + partition.topic(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("interrupted describing " + partition.topic(), e);
    }
  }

  /** The last {@code lines} lines of the output of {@code nodeId}, for failure messages. */
  public String logTail(int nodeId, int lines) {
    try {
      List<String> all = Files.readAllLines(logFile(nodeId), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no output of node " + nodeId + ": " + e + ")";
    }
  }

  /** Stops every node (gracefully, then forcibly after 30 s) and waits for them. Idempotent. */
  @Override
  public void close() {
    stopAll();
    Thread hook;
    synchronized (this) {
      hook = shutdownHook;
      shutdownHook = null;
    }
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down: the hook runs, or has run, stopAll itself.
      }
    }
  }

  private synchronized void stopAll() {
    List<Map.Entry<Integer, Process>> running = new ArrayList<>(processes.entrySet());
    processes.clear();
    for (Map.Entry<Integer, Process> node : running) {
      try {
        // The end of its standard input is the node's signal to shut down cleanly.
        node.getValue().getOutputStream().close();
      } catch (IOException e) {
        node.getValue().destroy();
      }
    }
    for (Map.Entry<Integer, Process> node : running) {
      Process process = node.getValue();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          log.warn("Kafka node {} did not stop within 30 s: killing it", node.getKey());
          process.destroyForcibly();
          process.waitFor(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private void launch(int nodeId) {
    KraftQuorum members = requireStarted();
    Path readyFile = readyFile(nodeId);
    try {
      Files.deleteIfExists(readyFile);
    } catch (IOException e) {
      throw new EmbeddedKafkaException("cannot clear " + readyFile + ": " + e, e);
    }
    BrokerNode.Arguments arguments =
        new BrokerNode.Arguments(
            dataDir.resolve("node-" + nodeId),
            nodeId,
            members,
            host,
            requireNonNull(brokerPorts.get(nodeId), "port"),
            readyFile,
            properties);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    // Brokers on a shared machine: a small collector and quick start-up matter more than peak
    // throughput.
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BrokerNode.class.getName());
    command.addAll(arguments.toCommandLine());
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(nodeId).toFile()))
              .start();
      processes.put(nodeId, process);
    } catch (IOException e) {
      throw new EmbeddedKafkaException(
          "cannot start the JVM of Kafka node " + nodeId + ": " + e, e);
    }
  }

  private void awaitReady(int nodeId, long deadline) {
    Path readyFile = readyFile(nodeId);
    while (!Files.exists(readyFile)) {
      Process process = processes.get(nodeId);
      if (process == null || !process.isAlive()) {
        throw new EmbeddedKafkaException(
            "Kafka node " + nodeId + " exited before it was ready:\n" + logTail(nodeId, 40));
      }
      if (System.nanoTime() > deadline) {
        throw new EmbeddedKafkaException(
            "Kafka node "
                + nodeId
                + " not ready within "
                + startTimeout.toSeconds()
                + " s:\n"
                + logTail(nodeId, 40));
      }
      pause();
    }
  }

  private void awaitBrokers(Set<Integer> expected, long deadline) {
    try (Admin admin = admin()) {
      Set<Integer> live = Set.of();
      while (System.nanoTime() < deadline) {
        try {
          live =
              admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream()
                  .map(Node::id)
                  .collect(Collectors.toSet());
          if (live.containsAll(expected)) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          log.debug("Cluster not answering yet: {}", e.toString());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new EmbeddedKafkaException("interrupted while waiting for the cluster", e);
        }
        pause();
      }
      throw new EmbeddedKafkaException(
          "the cluster counts live brokers " + live + " but not all of " + expected + " in time");
    }
  }

  private Admin admin() {
    Properties settings = new Properties();
    settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return Admin.create(settings);
  }

  private Path readyFile(int nodeId) {
    return dataDir.resolve("node-" + nodeId + ".ready");
  }

  private String loadOrCreateClusterId() {
    Path file = dataDir.resolve(CLUSTER_ID_FILE);
    try {
      Files.createDirectories(dataDir);
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      String clusterId = Uuid.randomUuid().toString();
      Files.writeString(file, clusterId + "\n", StandardCharsets.UTF_8);
      return clusterId;
    } catch (IOException e) {
      throw new EmbeddedKafkaException("data directory " + dataDir + " is not usable: " + e, e);
    }
  }

  private List<Integer> freePorts(int count) {
    // All sockets stay bound until every port is chosen, so the ports differ; another process
    // could still take one before its node binds it, and that node's start then fails naming it.
    List<ServerSocket> probes = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ServerSocket probe = new ServerSocket();
        probes.add(probe);
        probe.setReuseAddress(true);
        probe.bind(new InetSocketAddress(host, 0));
        ports.add(probe.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new EmbeddedKafkaException("cannot find free ports on " + host + ": " + e, e);
    } finally {
      for (ServerSocket probe : probes) {
        try {
          probe.close();
        } catch (IOException e) {
          log.debug("closing a port probe failed", e);
        }
      }
    }
  }

  private KraftQuorum requireStarted() {
    KraftQuorum members = quorum;
    if (members == null) {
      throw new IllegalStateException("cluster not started");
    }
    return members;
  }

  private int checkNode(int nodeId) {
    if (nodeId < 1 || nodeId > size) {
      throw new IllegalArgumentException("no node " + nodeId + " in a cluster of " + size);
    }
    return nodeId;
  }

  private static void awaitExit(Process process, int nodeId) {
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new EmbeddedKafkaException("killed Kafka node " + nodeId + " did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("interrupted waiting for node " + nodeId + " to exit", e);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKafkaException("interrupted while waiting for the cluster", e);
    }
  }

  /**
   * Configures a {@link BrokerCluster}. Defaults: 3 nodes on {@code localhost}, 384 MiB heap per
   * node, 120 s to start, no extra broker properties.
   */
  public static final class Builder {
    private final Path dataDir;
    private String host = "localhost";
    private int nodes = 3;
    private String maxHeap = "384m";
    private Duration startTimeout = Duration.ofMinutes(2);
    private final Map<String, String> properties = new LinkedHashMap<>();

    private Builder(Path dataDir) {
      this.dataDir = requireNonNull(dataDir, "dataDir").toAbsolutePath().normalize();
    }

    /** Number of nodes, each broker and controller; 1 to 9. */
    public Builder nodes(int nodes) {
      if (nodes < 1 || nodes > 9) {
        throw new IllegalArgumentException("nodes must be within 1..9, was " + nodes);
      }
      this.nodes = nodes;
      return this;
    }

    /** The host every node binds to and advertises. */
    public Builder host(String host) {
      requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException("host must not be blank");
      }
      this.host = host;
      return this;
    }

    /** Each node's {@code -Xmx}, such as {@code 384m}. */
    public Builder maxHeap(String maxHeap) {
      if (!requireNonNull(maxHeap, "maxHeap").matches("[0-9]+[kKmMgG]")) {
        throw new IllegalArgumentException("maxHeap is not a -Xmx size: " + maxHeap);
      }
      this.maxHeap = maxHeap;
      return this;
    }

    /** How long a start or restart may take before it fails. */
    public Builder startTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive");
      }
      this.startTimeout = timeout;
      return this;
    }

    /** A broker property for every node, as {@link EmbeddedKafkaBroker.Builder#property}. */
    public Builder property(String key, String value) {
      properties.put(requireNonNull(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    public BrokerCluster build() {
      return new BrokerCluster(this);
    }
  }
}
