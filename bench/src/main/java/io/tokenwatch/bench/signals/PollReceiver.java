package io.tokenwatch.bench.signals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A polling receiver (RFC 8936): long polls its stream, acknowledging in each request what the
 * previous one returned, on its own thread.
 */
final class PollReceiver implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  final Arrivals arrivals;
  final AtomicLong errors = new AtomicLong();
  private final URI endpoint;
  private final Supplier<String> authorization;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Thread thread;
  private volatile boolean running = true;

  PollReceiver(String name, URI endpoint, Supplier<String> authorization) {
    this.arrivals = new Arrivals(name);
    this.endpoint = endpoint;
    this.authorization = authorization;
    this.thread = new Thread(this::loop, "bench-poll-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    List<String> acks = new ArrayList<>();
    while (running) {
      try {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("ack").addAll(acks.stream().map(JSON.getNodeFactory()::textNode).toList());
        body.put("maxEvents", 100);
        body.put("returnImmediately", false);
        HttpRequest request =
            HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization.get())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        long now = System.nanoTime();
        acks.clear();
        if (response.statusCode() != 200) {
          errors.incrementAndGet();
          Thread.sleep(100); // back off before polling again
          continue;
        }
        JsonNode sets = JSON.readTree(response.body()).path("sets");
        for (Map.Entry<String, JsonNode> set : sets.properties()) {
          arrivals.record(set.getValue().asText(), now);
          acks.add(set.getKey());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        if (running) {
          errors.incrementAndGet();
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
