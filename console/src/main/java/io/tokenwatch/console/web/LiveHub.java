package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import io.javalin.http.sse.SseClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browsers following one live feed (server-sent events, swapped in by htmx's SSE extension). A
 * fragment is sent to each open connection; closed ones are dropped. Fragments are sent on one
 * line: an event's data ends at the first blank line. Thread-safe.
 */
public final class LiveHub implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);

  private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();

  /** Follows {@code client} until it disconnects; call from the SSE route's handler. */
  public void join(SseClient client) {
    requireNonNull(client, "client");
    client.keepAlive();
    clients.add(client);
    client.onClose(() -> clients.remove(client));
  }

  /** Sends {@code html} as event {@code event} to every browser following. */
  public void send(String event, String html) {
    send(event, html, client -> true);
  }

  /** Sends {@code html} as event {@code event} to the browsers {@code to} accepts. */
  public void send(String event, String html, Predicate<SseClient> to) {
    requireNonNull(event, "event");
    requireNonNull(html, "html");
    String oneLine = html.replace("\r", "").replace("\n", " ");
    clients.removeIf(SseClient::terminated);
    List<SseClient> failed = new ArrayList<>();
    for (SseClient client : clients) {
      if (!to.test(client)) {
        continue;
      }
      try {
        client.sendEvent(event, oneLine);
      } catch (RuntimeException e) {
        LOG.debug("Dropping a live connection: {}", e.toString());
        failed.add(client);
      }
    }
    failed.forEach(clients::remove);
  }

  /** How many browsers follow. */
  public int size() {
    return clients.size();
  }

  @Override
  public void close() {
    for (SseClient client : clients) {
      client.close();
    }
    clients.clear();
  }
}
