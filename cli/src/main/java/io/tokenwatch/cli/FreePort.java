package io.tokenwatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * A free TCP port, for a service whose own URL must be known before it starts (the issuer's {@code
 * iss} is its URL). Another process could take the port in between; the service's start then fails
 * naming it.
 */
final class FreePort {

  private FreePort() {}

  static int find() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}
