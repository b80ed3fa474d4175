package io.tokenwatch.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ports a command is about to listen on, each with the option that sets it, checked before
 * anything starts: a port taken is named at once instead of after the broker and half the services
 * started. Another process could still take a port between the check and the service's start; the
 * service's own start then fails naming it.
 */
final class ListenPorts {

  /**
   * One port to listen on.
   *
   * @param service what listens there, as the operator knows it
   * @param option the command-line option that sets the port
   * @param host the address it binds
   * @param port the port; 0 (a free one, chosen later) is never checked
   */
  record Port(String service, String option, String host, int port) {}

  private final List<Port> ports = new ArrayList<>();

  /**
   * Adds a port to check; port 0 is skipped (a free one is picked when the service starts).
   *
   * @throws IllegalArgumentException naming the option, if the port is outside 0..65535
   */
  ListenPorts add(String service, String option, String host, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(option + " must be between 0 and 65535, was " + port);
    }
    if (port != 0) {
      ports.add(new Port(service, option, host, port));
    }
    return this;
  }

  /** The ports to check, in the order added. */
  List<Port> ports() {
    return List.copyOf(ports);
  }

  /**
   * The first problem, in one line naming the port, what needs it and the option that sets it: a
   * port given to two services, or one something already listens on. Empty when every port is free.
   */
  Optional<String> problem() {
    Map<Integer, Port> seen = new HashMap<>();
    for (Port port : ports) {
      Port earlier = seen.putIfAbsent(port.port(), port);
      if (earlier != null) {
        return Optional.of(
            String.format(
                "port %d is given to both the %s (%s) and the %s (%s); give each its own",
                port.port(), earlier.service(), earlier.option(), port.service(), port.option()));
      }
    }
    for (Port port : ports) {
      Optional<String> taken = taken(port);
      if (taken.isPresent()) {
        return taken;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> taken(Port port) {
    try (ServerSocket probe = new ServerSocket()) {
      // As the services bind: a socket lingering in TIME_WAIT does not count as taken.
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(port.host(), port.port()));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(
          String.format(
              "port %d on %s, where the %s would listen, is already in use (%s); stop what holds"
                  + " it or choose another with %s (0 picks a free one)",
              port.port(), port.host(), port.service(), e.getMessage(), port.option()));
    }
  }
}
