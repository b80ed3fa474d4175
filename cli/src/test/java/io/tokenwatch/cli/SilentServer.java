package io.tokenwatch.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server that accepts connections and never answers: the unresponsive endpoint a client with no
 * read timeout waits on forever.
 */
final class SilentServer implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  SilentServer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  accepted.add(server.accept());
                } catch (IOException e) {
                  return;
                }
              }
            },
            "silent-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** {@code host:port}, as Kafka's bootstrap.servers wants it. */
  String hostPort() {
    return "localhost:" + port();
  }

  /** An http URL of this server. */
  String url() {
    return "http://localhost:" + port();
  }

  /** Whether any client connected. */
  boolean wasCalled() {
    return !accepted.isEmpty();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : accepted) {
      socket.close();
    }
  }
}
