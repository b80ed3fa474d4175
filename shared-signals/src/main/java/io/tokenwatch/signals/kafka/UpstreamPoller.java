package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.signals.receiver.SignalReceiver;
import io.tokenwatch.signals.receiver.SignalSink;
import io.tokenwatch.signals.receiver.Verdict;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the upstream transmitter (RFC 8936) and hands every SET to the {@link SignalReceiver}, on
 * one thread of its own.
 *
 * <p>Each request carries {@code maxEvents}, {@code returnImmediately}, the {@code ack} of every
 * SET acknowledged since the last successful request (accepted with a durable revocation request, a
 * duplicate, or ignored) and {@code setErrs} for refused ones. A SET whose request Kafka did not
 * take is neither acknowledged nor reported: the upstream sends it again. Acknowledgements of a
 * failed request are sent again with the next; an acknowledgement that the upstream loses makes it
 * resend the SET, which the receiver recognizes as a duplicate (or, on another instance or after a
 * restart, turns into the same request with the same event id again, which revocation absorbs).
 *
 * <p>Between requests it waits {@code interval} after a failure, and when polling with {@code
 * returnImmediately} and nothing more is available. Counts polls in {@code
 * tokenwatch.ssf.receiver.polls{outcome}}. Thread-safe; {@link #start()} once, {@link #close()}.
 */
public final class UpstreamPoller implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(UpstreamPoller.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

  /**
   * How to poll.
   *
   * @param url the poll endpoint
   * @param authorization the Authorization header value, when one is sent
   * @param maxEvents {@code maxEvents}
   * @param returnImmediately {@code returnImmediately}
   * @param interval pause after a failure and between immediate polls with nothing more available
   * @param timeout HTTP timeout of one request
   */
  public record Settings(
      URI url,
      Optional<String> authorization,
      int maxEvents,
      boolean returnImmediately,
      Duration interval,
      Duration timeout) {
    public Settings {
      requireNonNull(url, "url");
      requireNonNull(authorization, "authorization");
      requireNonNull(interval, "interval");
      requireNonNull(timeout, "timeout");
      if (maxEvents < 1) {
        throw new IllegalArgumentException("maxEvents must be positive");
      }
    }

    @Override
    public String toString() {
      return "Settings[url=" + url + ", maxEvents=" + maxEvents + "]";
    }
  }

  private final Settings settings;
  private final SignalReceiver receiver;
  private final HttpClient http;
  private final MeterRegistry meters;
  private final Set<String> acks = new LinkedHashSet<>();
  private final Map<String, Map<String, String>> errors = new LinkedHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  public UpstreamPoller(Settings settings, SignalReceiver receiver, MeterRegistry meters) {
    this.settings = requireNonNull(settings, "settings");
    this.receiver = requireNonNull(receiver, "receiver");
    this.meters = requireNonNull(meters, "meters");
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(settings.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.thread = new Thread(this::run, "ssf-upstream-poller");
    this.thread.setDaemon(true);
  }

  /** Starts polling. */
  public void start() {
    thread.start();
  }

  private void run() {
    log.info("Polling the upstream transmitter at {}", settings.url());
    while (running) {
      boolean pause;
      try {
        pause = pollOnce();
        count("ok");
      } catch (IOException | RuntimeException e) {
        if (!running) {
          break;
        }
        count("failed");
        log.warn("Polling {} failed: {}", settings.url(), e.toString());
        pause = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (pause && running) {
        try {
          Thread.sleep(settings.interval().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
  }

  /**
   * One request and the SETs it returns.
   *
   * @return whether to pause before the next request
   */
  boolean pollOnce() throws IOException, InterruptedException {
    ObjectNode request = JSON.createObjectNode();
    request.put("maxEvents", settings.maxEvents());
    request.put("returnImmediately", settings.returnImmediately());
    Set<String> sentAcks = new LinkedHashSet<>(acks);
    Map<String, Map<String, String>> sentErrors = new LinkedHashMap<>(errors);
    if (!sentAcks.isEmpty()) {
      request.set("ack", JSON.valueToTree(sentAcks));
    }
    if (!sentErrors.isEmpty()) {
      request.set("setErrs", JSON.valueToTree(sentErrors));
    }
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(settings.url())
            .timeout(settings.timeout())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request)));
    settings.authorization().ifPresent(value -> builder.header("Authorization", value));
    HttpResponse<byte[]> response =
        http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException("the upstream answered HTTP " + response.statusCode());
    }
    if (response.body().length > MAX_RESPONSE_BYTES) {
      throw new IOException("the upstream's response is larger than " + MAX_RESPONSE_BYTES);
    }
    JsonNode body = JSON.readTree(response.body());
    if (body == null || !body.isObject()) {
      throw new IOException("the upstream's response is not a JSON object");
    }
    // The upstream has what we sent; anything acknowledged from here on goes with the next.
    acks.removeAll(sentAcks);
    sentErrors.keySet().forEach(errors::remove);
    JsonNode sets = body.path("sets");
    boolean more = body.path("moreAvailable").asBoolean(false);
    if (!sets.isMissingNode() && !sets.isObject()) {
      throw new IOException("sets in the upstream's response is not an object");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = sets.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String jti = entry.getKey();
      JsonNode set = entry.getValue();
      byte[] bytes =
          set.isTextual()
              ? set.asText().getBytes(StandardCharsets.UTF_8)
              : set.toString().getBytes(StandardCharsets.UTF_8);
      Verdict verdict;
      try {
        verdict = receiver.receive(bytes, "poll");
      } catch (SignalSink.SinkUnavailableException e) {
        // Neither acknowledged nor reported: the upstream keeps it and sends it again.
        log.warn("Could not take polled SETs now: {}", e.getMessage());
        return true;
      }
      if (verdict instanceof Verdict.Refused refused) {
        Map<String, String> error = new LinkedHashMap<>();
        error.put("err", refused.reason().err());
        error.put("description", refused.description());
        errors.put(jti, error);
      } else {
        acks.add(jti);
      }
    }
    boolean nothingNew = sets.isMissingNode() || sets.isEmpty();
    boolean unsent = !acks.isEmpty() || !errors.isEmpty();
    return settings.returnImmediately() && nothingNew && !more && !unsent;
  }

  private void count(String outcome) {
    Counter.builder("tokenwatch.ssf.receiver.polls")
        .description("Poll requests to the upstream transmitter")
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }

  /** Stops polling; acknowledgements not yet sent are sent again by the upstream's resends. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
