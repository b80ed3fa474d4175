package io.tokenwatch.signals.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A push receiver (RFC 8935) on the JDK's HTTP server: records the jti of every SET POSTed to it,
 * in arrival order, and answers as its {@code behaviour} says (status and body, given the request
 * number and the jti). Can be stopped and started again on the same port.
 */
final class TestReceiver implements AutoCloseable {

  record Answer(int status, String body, long delayMillis) {
    static Answer accepted() {
      return new Answer(202, "", 0);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final BiFunction<Integer, String, Answer> behaviour;
  private final List<String> accepted = new ArrayList<>();
  private final List<String> headers = new ArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final int port;
  private HttpServer server;

  TestReceiver(BiFunction<Integer, String, Answer> behaviour) {
    this.behaviour = behaviour;
    this.server = bind(0);
    this.port = server.getAddress().getPort();
  }

  URI endpoint() {
    return URI.create("http://localhost:" + port + "/events");
  }

  synchronized List<String> acceptedJtis() {
    return List.copyOf(accepted);
  }

  /** Accepted jtis, duplicates removed, first arrival order. */
  synchronized List<String> deduplicated() {
    return List.copyOf(new LinkedHashSet<>(accepted));
  }

  synchronized List<String> requestHeaders() {
    return List.copyOf(headers);
  }

  int requests() {
    return requests.get();
  }

  void stop() {
    server.stop(0);
  }

  void restart() {
    for (int attempt = 0; ; attempt++) {
      try {
        server = bind(port);
        return;
      } catch (UncheckedIOException e) {
        if (!(e.getCause() instanceof BindException) || attempt > 50) {
          throw e;
        }
        try {
          Thread.sleep(100); // the port is released asynchronously by the OS
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private HttpServer bind(int port) {
    try {
      HttpServer created =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
      created.createContext("/events", this::handle);
      created.setExecutor(Executors.newCachedThreadPool());
      created.start();
      return created;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    int number = requests.incrementAndGet();
    String set = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String jti = jti(set);
    Answer answer = behaviour.apply(number, jti);
    if (answer.delayMillis() > 0) {
      try {
        Thread.sleep(answer.delayMillis()); // a receiver slower than the transmitter's timeout
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      headers.add(
          exchange.getRequestHeaders().getFirst("Content-Type")
              + "|"
              + exchange.getRequestHeaders().getFirst("Accept")
              + "|"
              + exchange.getRequestHeaders().getFirst("Authorization"));
      if (answer.status() >= 200 && answer.status() < 300 && answer.delayMillis() == 0) {
        accepted.add(jti);
      }
    }
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    if (body.length > 0) {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
    }
    exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
    exchange.close();
  }

  static String jti(String set) {
    try {
      String payload = set.split("\\.")[1];
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(payload));
      return claims.path("jti").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
