package io.tokenwatch.embedded.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main class of one node of a {@link BrokerCluster}, run in a JVM of its own so that the node
 * can be killed like a real broker (SIGKILL: no shutdown, no flush).
 *
 * <p>Arguments, all {@code --name=value}: {@code --data-dir}, {@code --node-id}, {@code
 * --cluster-id}, {@code --voters} (as {@code controller.quorum.voters}), {@code --broker-port},
 * {@code --ready-file}, optionally {@code --host} and any number of {@code --property=key=value}
 * (broker properties). Once the broker serves clients, the node writes the ready file (atomically:
 * {@code node.id}, {@code pid} and {@code bootstrap.servers} as properties lines).
 *
 * <p>The node stops when its standard input reaches its end, which happens when the process that
 * started it closes the pipe or dies in any way: a node never outlives its owner. SIGTERM stops it
 * cleanly too.
 */
public final class BrokerNode {
  private static final Logger log = LoggerFactory.getLogger(BrokerNode.class);

  private BrokerNode() {}

  /** Arguments of one node, as passed on its command line. */
  record Arguments(
      Path dataDir,
      int nodeId,
      KraftQuorum quorum,
      String host,
      int brokerPort,
      Path readyFile,
      Map<String, String> properties) {

    List<String> toCommandLine() {
      List<String> args = new java.util.ArrayList<>();
      args.add("--data-dir=" + dataDir);
      args.add("--node-id=" + nodeId);
      args.add("--cluster-id=" + quorum.clusterId());
      args.add("--voters=" + quorum.votersProperty());
      args.add("--host=" + host);
      args.add("--broker-port=" + brokerPort);
      args.add("--ready-file=" + readyFile);
      properties.forEach((key, value) -> args.add("--property=" + key + "=" + value));
      return args;
    }

    static Arguments parse(String[] args) {
      Map<String, String> named = new LinkedHashMap<>();
      Map<String, String> properties = new LinkedHashMap<>();
      for (String arg : args) {
        int eq = arg.indexOf('=');
        if (!arg.startsWith("--") || eq < 0) {
          throw new IllegalArgumentException("argument '" + arg + "' is not --name=value");
        }
        String name = arg.substring(2, eq);
        String value = arg.substring(eq + 1);
        if (name.equals("property")) {
          int split = value.indexOf('=');
          if (split <= 0) {
            throw new IllegalArgumentException("--property=" + value + " is not key=value");
          }
          properties.put(value.substring(0, split), value.substring(split + 1));
        } else {
          named.put(name, value);
        }
      }
      String clusterId = required(named, "cluster-id");
      return new Arguments(
          Path.of(required(named, "data-dir")),
          Integer.parseInt(required(named, "node-id")),
          KraftQuorum.parse(clusterId, required(named, "voters")),
          named.getOrDefault("host", "localhost"),
          Integer.parseInt(required(named, "broker-port")),
          Path.of(required(named, "ready-file")),
          properties);
    }

    private static String required(Map<String, String> named, String name) {
      String value = named.get(name);
      if (value == null) {
        throw new IllegalArgumentException("missing argument --" + name + "=...");
      }
      return value;
    }
  }

  /**
   * Starts the node, writes its ready file, and returns when standard input ends or the JVM is
   * asked to stop.
   */
  public static void main(String[] args) throws IOException {
    Arguments arguments = Arguments.parse(args);
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder(arguments.dataDir())
            .host(arguments.host())
            .brokerPort(arguments.brokerPort())
            .member(arguments.quorum(), arguments.nodeId())
            .properties(arguments.properties())
            .build();
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-node-shutdown"));
    broker.start();
    writeReady(arguments.readyFile(), broker);
    awaitEndOfInput(System.in);
    log.info("Standard input closed: stopping node {}", arguments.nodeId());
    System.exit(0);
  }

  private static void writeReady(Path readyFile, EmbeddedKafkaBroker broker) throws IOException {
    Path temporary = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
    String content =
        "node.id="
            + broker.nodeId()
            + "\npid="
            + ProcessHandle.current().pid()
            + "\nbootstrap.servers="
            + broker.bootstrapServers()
            + "\n";
    Files.writeString(temporary, content, StandardCharsets.UTF_8);
    Files.move(temporary, readyFile, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void awaitEndOfInput(InputStream in) throws IOException {
    byte[] buffer = new byte[256];
    while (in.read(buffer) != -1) {
      // Nothing is read from the owner; the stream is only a lifeline.
    }
  }
}
