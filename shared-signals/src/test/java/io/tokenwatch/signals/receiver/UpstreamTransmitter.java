package io.tokenwatch.signals.receiver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream transmitter for tests, on the JDK's HTTP server: its JWKS at {@code /jwks}, and a
 * poll endpoint at {@code /poll} with RFC 8936 semantics. SETs stay pending until acknowledged
 * ({@code ack}) or reported ({@code setErrs}); each response holds at most {@code maxEvents} of
 * them and says {@code moreAvailable}; without {@code returnImmediately} it holds the request up to
 * half a second while nothing is pending. It can be told to lose the acknowledgements of the next
 * request that carries some, as a network fault between its commit and the receiver would.
 */
public final class UpstreamTransmitter implements AutoCloseable {

  public static final String POLL_TOKEN = "poll-token-of-the-receiver";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final UpstreamSets sets;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, String> pending = new LinkedHashMap<>();
  public final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
  public final Map<String, JsonNode> errors = new ConcurrentHashMap<>();
  private final List<String> acknowledged = new ArrayList<>();
  public final AtomicInteger unauthorizedPolls = new AtomicInteger();
  private boolean loseNextAcks;

  public UpstreamTransmitter(UpstreamSets sets) throws IOException {
    this.sets = sets;
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    server.createContext("/jwks", this::jwks);
    server.createContext("/poll", this::poll);
    server.setExecutor(executor);
    server.start();
  }

  public String url(String path) {
    return "http://localhost:" + server.getAddress().getPort() + path;
  }

  public synchronized void enqueue(String jti, String set) {
    pending.put(jti, set);
    notifyAll();
  }

  public synchronized void loseNextAcks() {
    loseNextAcks = true;
  }

  public synchronized int pendingCount() {
    return pending.size();
  }

  public synchronized List<String> acknowledged() {
    return List.copyOf(acknowledged);
  }

  private void jwks(HttpExchange exchange) throws IOException {
    respond(exchange, 200, sets.jwksJson());
  }

  private void poll(HttpExchange exchange) throws IOException {
    if (!("Bearer " + POLL_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      unauthorizedPolls.incrementAndGet();
      respond(exchange, 401, "{\"error\":\"invalid_token\"}");
      return;
    }
    JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
    ObjectNode response;
    try {
      response = answer(request);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      respond(exchange, 503, "{}");
      return;
    }
    respond(exchange, 200, JSON.writeValueAsString(response));
  }

  private synchronized ObjectNode answer(JsonNode request) throws InterruptedException {
    boolean lose = loseNextAcks && request.path("ack").size() > 0;
    if (lose) {
      loseNextAcks = false;
    } else {
      for (JsonNode jti : request.path("ack")) {
        if (pending.remove(jti.asText()) != null) {
          acknowledged.add(jti.asText());
        }
      }
      request
          .path("setErrs")
          .properties()
          .forEach(
              error -> {
                errors.put(error.getKey(), error.getValue());
                pending.remove(error.getKey());
              });
    }
    int maxEvents = request.path("maxEvents").asInt(Integer.MAX_VALUE);
    if (!request.path("returnImmediately").asBoolean(false)) {
      long until = System.nanoTime() + 500_000_000L;
      while (pending.isEmpty() && System.nanoTime() < until) {
        wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
      }
    }
    ObjectNode response = JSON.createObjectNode();
    ObjectNode out = response.putObject("sets");
    for (Map.Entry<String, String> set : pending.entrySet()) {
      if (out.size() == maxEvents) {
        break;
      }
      out.put(set.getKey(), set.getValue());
      deliveries.computeIfAbsent(set.getKey(), k -> new AtomicInteger()).incrementAndGet();
    }
    response.put("moreAvailable", pending.size() > out.size());
    return response;
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
