package io.tokenwatch.embedded.kafka;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * The membership of a multi-node KRaft cluster as every node must know it: the shared cluster id
 * (written into each node's storage when it is formatted) and the static controller quorum, node id
 * to {@code host:port} of that node's controller listener ({@code controller.quorum.voters}).
 *
 * <p>A static quorum is used rather than a dynamic one ({@code controller.quorum.bootstrap.servers}
 * with {@code kafka-storage format --initial-controllers}): every node of these clusters is started
 * together by one owner that knows all controller ports up front, and a static quorum keeps the
 * formatting of each node independent of the others.
 *
 * @param clusterId the Kafka cluster id, a base64 UUID as {@code kafka-storage random-uuid} prints
 * @param voters controller address ({@code host:port}) per node id; every node is a voter
 */
public record KraftQuorum(String clusterId, SortedMap<Integer, String> voters) {

  public KraftQuorum {
    requireNonNull(clusterId, "clusterId");
    requireNonNull(voters, "voters");
    try {
      Uuid.fromString(clusterId);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("clusterId is not a Kafka cluster id: " + clusterId, e);
    }
    if (voters.isEmpty()) {
      throw new IllegalArgumentException("a quorum needs at least one voter");
    }
    voters.forEach(
        (node, address) -> {
          if (node < 0) {
            throw new IllegalArgumentException("node ids are not negative, was " + node);
          }
          port(address);
        });
    voters = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(voters));
  }

  /**
   * A quorum of the nodes in {@code controllerPorts}, all on {@code host}, with a new cluster id.
   */
  public static KraftQuorum of(String host, Map<Integer, Integer> controllerPorts) {
    return of(Uuid.randomUuid().toString(), host, controllerPorts);
  }

  /** A quorum of the nodes in {@code controllerPorts}, all on {@code host}. */
  public static KraftQuorum of(String clusterId, String host, Map<Integer, Integer> ports) {
    requireNonNull(host, "host");
    SortedMap<Integer, String> voters = new TreeMap<>();
    requireNonNull(ports, "ports").forEach((node, port) -> voters.put(node, host + ":" + port));
    return new KraftQuorum(clusterId, voters);
  }

  /**
   * Parses Kafka's {@code controller.quorum.voters} form, {@code 1@host:9093,2@host:9094}.
   *
   * @throws IllegalArgumentException naming the entry that does not parse
   */
  public static KraftQuorum parse(String clusterId, String votersProperty) {
    requireNonNull(votersProperty, "votersProperty");
    SortedMap<Integer, String> voters = new TreeMap<>();
    for (String entry : votersProperty.split(",")) {
      String trimmed = entry.trim();
      int at = trimmed.indexOf('@');
      if (at <= 0) {
        throw new IllegalArgumentException(
            "voter '" + trimmed + "' is not of the form <node id>@<host>:<port>");
      }
      int node;
      try {
        node = Integer.parseInt(trimmed.substring(0, at));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("voter '" + trimmed + "' has no numeric node id", e);
      }
      if (voters.put(node, trimmed.substring(at + 1)) != null) {
        throw new IllegalArgumentException(
            "node " + node + " is listed twice in " + votersProperty);
      }
    }
    return new KraftQuorum(clusterId, voters);
  }

  /** The value of {@code controller.quorum.voters}. */
  public String votersProperty() {
    return voters.entrySet().stream()
        .map(voter -> voter.getKey() + "@" + voter.getValue())
        .collect(Collectors.joining(","));
  }

  /** Number of nodes in the cluster. */
  public int size() {
    return voters.size();
  }

  /**
   * The controller port of {@code nodeId}.
   *
   * @throws IllegalArgumentException if the node is not a voter
   */
  public int controllerPort(int nodeId) {
    String address = voters.get(nodeId);
    if (address == null) {
      throw new IllegalArgumentException(
          "node " + nodeId + " is not one of the quorum's voters " + voters.keySet());
    }
    return port(address);
  }

  private static int port(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("voter address '" + address + "' is not host:port");
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port <= 0 || port > 65_535) {
        throw new IllegalArgumentException("voter address '" + address + "' has no usable port");
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("voter address '" + address + "' has no numeric port", e);
    }
  }
}
