package io.tokenwatch.schemas.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A canned-response HTTP server standing in for a schema registry: answers queued responses in
 * order (or asks a responder function) and records every request.
 */
public final class RegistryStub implements AutoCloseable {

  /** A request as received. */
  public record Request(
      String method,
      String rawPath,
      @Nullable String authorization,
      Map<String, List<String>> headers,
      String body) {
    /** The first value of a header, or null. */
    public @Nullable String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }

  /** A canned response. */
  public record Canned(int status, String body) {}

  private final HttpServer server;
  private final Queue<Canned> queue = new ConcurrentLinkedQueue<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile @Nullable Function<Request, Canned> responder;

  /** Starts a stub on a free loopback port. */
  public RegistryStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The stub's base URL. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Queues a response. */
  public RegistryStub enqueue(int status, String body) {
    queue.add(new Canned(status, body));
    return this;
  }

  /** Answers every request the queue does not with {@code responder}. */
  public void respondWith(Function<Request, Canned> responder) {
    this.responder = responder;
  }

  /** Requests received so far. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
    Request request =
        new Request(
            exchange.getRequestMethod(),
            exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null
                    ? ""
                    : "?" + exchange.getRequestURI().getRawQuery()),
            exchange.getRequestHeaders().getFirst("Authorization"),
            Map.copyOf(exchange.getRequestHeaders()),
            body);
    requests.add(request);
    Canned canned = queue.poll();
    Function<Request, Canned> fallback = responder;
    if (canned == null) {
      canned =
          fallback != null
              ? fallback.apply(request)
              : new Canned(599, "{\"error_code\":59900,\"message\":\"stub: no canned response\"}");
    }
    byte[] bytes = canned.body().getBytes(UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
    exchange.sendResponseHeaders(canned.status(), bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
