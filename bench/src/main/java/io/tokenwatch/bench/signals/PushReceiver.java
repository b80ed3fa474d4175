package io.tokenwatch.bench.signals;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A push receiver (RFC 8935) as a SaaS application would run one: an HTTP endpoint that takes
 * {@code application/secevent+jwt} POSTs with its bearer secret and answers 202.
 */
final class PushReceiver implements AutoCloseable {

  final Arrivals arrivals;
  final String secret;
  private final HttpServer server;
  private final ExecutorService executor;

  PushReceiver(String name, String secret) throws IOException {
    this.arrivals = new Arrivals(name);
    this.secret = secret;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    this.executor = Executors.newFixedThreadPool(2);
    server.setExecutor(executor);
    server.createContext(
        "/events",
        exchange -> {
          long now = System.nanoTime();
          int status;
          try (InputStream body = exchange.getRequestBody()) {
            String set = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            if (!("Bearer " + secret)
                .equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
              status = 401;
            } else {
              arrivals.record(set, now);
              status = 202;
            }
          } catch (java.text.ParseException e) {
            status = 400;
          }
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/events";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
