package io.tokenwatch.bench.signals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.bench.BenchIssuer;
import io.tokenwatch.bench.LoadAverage;
import io.tokenwatch.bench.propagation.HttpConnection;
import io.tokenwatch.embedded.EmbeddedPlatform;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.revocation.app.RevocationStreamApp;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.signals.app.SharedSignalsApp;
import io.tokenwatch.signals.app.SharedSignalsConfig;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * From a revocation accepted by the issuer to its Security Event Token received by receivers
 * outside Kafka: ten push receivers (RFC 8935) and one polling receiver (RFC 8936), each an HTTP
 * service of its own, at a steady rate of revocations sent by an administrator's kept-alive
 * connection.
 *
 * <p>Usage: {@code SignalsPropagationBenchmark [rate/s] [seconds] [push receivers]} (defaults 100,
 * 30, 10). Every SET must arrive at every receiver; the harness fails otherwise.
 */
public final class SignalsPropagationBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SESSION_REVOKED =
      "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
  private static final String SECURITY_CONSOLE =
      BenchIssuer.basic("security-console", "demo-security-console-secret-not-for-prod-use");
  private static final String SSF_RECEIVER =
      BenchIssuer.basic("ssf-receiver", "demo-ssf-receiver-secret-not-for-prod-use");
  private static final Duration DRAIN = Duration.ofSeconds(30);
  private static final int WARM_UP = 50;

  private SignalsPropagationBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int pushReceivers = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    Path dir = Files.createTempDirectory("tokenwatch-signals-bench");
    Path policy = BenchIssuer.samplePolicy(dir.resolve("policy.yaml"));
    try (EmbeddedPlatform platform =
            EmbeddedPlatform.builder(dir.resolve("platform")).build().start();
        RevocationStreamApp stream = RevocationStreamApp.start(streamConfig(platform, dir));
        IssuerServer issuer =
            IssuerServer.start(
                BenchIssuer.config(
                    platform, policy, dir.resolve("issuer"), "bench-signals", Map.of()));
        SharedSignalsApp signals =
            SharedSignalsApp.start(signalsConfig(platform, dir, issuer.port()))) {
      while (!signals.isReady() || !stream.isRunning()) {
        TimeUnit.MILLISECONDS.sleep(100); // a harness poll, not a test wait
      }
      new SignalsPropagationBenchmark.Run(
              issuer.port(), signals.httpPort(), platform.bootstrapServers(), System.out)
          .measure(rate, seconds, pushReceivers);
    }
  }

  private static Map<String, Object> streamConfig(EmbeddedPlatform platform, Path dir) {
    Map<String, Object> config = new HashMap<>(platform.schemaRegistryClientSettings());
    config.put(RevocationStreamConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.put(RevocationStreamConfig.STATE_DIR, dir.resolve("streams").toString());
    config.put(RevocationStreamConfig.HTTP_PORT, 0);
    return config;
  }

  private static SharedSignalsConfig signalsConfig(
      EmbeddedPlatform platform, Path dir, int issuerPort) {
    Map<String, Object> config = new HashMap<>(platform.schemaRegistryClientSettings());
    config.put(SharedSignalsConfig.BOOTSTRAP_SERVERS, platform.bootstrapServers());
    config.put(SharedSignalsConfig.HTTP_PORT, 0);
    // BenchIssuer's issuer names itself http://localhost whatever its port.
    config.put(SharedSignalsConfig.ISSUER, "http://localhost");
    config.put(
        SharedSignalsConfig.JWKS_URL, "http://localhost:" + issuerPort + "/.well-known/jwks.json");
    config.put(SharedSignalsConfig.KEYS_DIR, dir.resolve("issuer").toString());
    config.put("signals.streams.require-https", false);
    config.put("signals.streams.allow-private-endpoints", true);
    config.put("signals.streams.max-per-receiver", 100);
    // -Dsignals.<key>=<value> on the command line tries another setting (signals.push.threads=4).
    System.getProperties()
        .forEach(
            (key, value) -> {
              if (String.valueOf(key).startsWith("signals.")) {
                config.put(String.valueOf(key), value);
              }
            });
    return SharedSignalsConfig.of(config);
  }

  /** One measurement against started services. */
  private static final class Run {

    private final int issuerPort;
    private final int signalsPort;
    private final String bootstrapServers;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();

    Run(int issuerPort, int signalsPort, String bootstrapServers, PrintStream out) {
      this.issuerPort = issuerPort;
      this.signalsPort = signalsPort;
      this.bootstrapServers = bootstrapServers;
      this.out = out;
    }

    void measure(int rate, int seconds, int pushCount) throws Exception {
      String bearer = "Bearer " + receiverToken();
      List<PushReceiver> pushes = new ArrayList<>();
      PollReceiver poll = null;
      try (HttpConnection admin = new HttpConnection("localhost", issuerPort);
          ProducedSets produced = new ProducedSets(bootstrapServers)) {
        for (int i = 0; i < pushCount; i++) {
          PushReceiver receiver = new PushReceiver("push-" + i, UUID.randomUUID().toString());
          pushes.add(receiver);
          JsonNode created =
              createStream(
                  bearer,
                  "{\"delivery\":{\"method\":\"urn:ietf:rfc:8935\",\"endpoint_url\":\""
                      + receiver.url()
                      + "\",\"authorization_header\":\"Bearer "
                      + receiver.secret
                      + "\"},\"events_requested\":[\""
                      + SESSION_REVOKED
                      + "\"],\"description\":\"benchmark push receiver "
                      + i
                      + "\"}");
          if (i == 0) {
            produced.watch(created.path("stream_id").asText());
          }
        }
        JsonNode pollStream =
            createStream(
                bearer,
                "{\"delivery\":{\"method\":\"urn:ietf:rfc:8936\"},\"events_requested\":[\""
                    + SESSION_REVOKED
                    + "\"],\"description\":\"benchmark polling receiver\"}");
        URI pollUrl = URI.create(pollStream.path("delivery").path("endpoint_url").asText());
        poll = new PollReceiver("poll", pollUrl, () -> bearer);
        List<Arrivals> receivers = new ArrayList<>();
        pushes.forEach(push -> receivers.add(push.arrivals));
        receivers.add(poll.arrivals);

        out.printf(
            Locale.ROOT,
            "push receivers=%d polling receivers=1 rate=%d/s for %d s, warm-up %d; cores=%d"
                + " load average: %s%n",
            pushCount,
            rate,
            seconds,
            WARM_UP,
            Runtime.getRuntime().availableProcessors(),
            LoadAverage.now());
        revokeAt(admin, rate, WARM_UP, receivers);
        int count = rate * seconds;
        Sent sent = revokeAt(admin, rate, count, receivers);
        report(sent, pushes, poll, produced);
        out.printf(Locale.ROOT, "load average after: %s%n", LoadAverage.now());
      } finally {
        if (poll != null) {
          poll.close();
        }
        pushes.forEach(PushReceiver::close);
      }
    }

    /** What was sent: per revocation, its token id, when it was sent and when it was accepted. */
    private static final class Sent {
      final String[] tokens;
      final long[] sentAt;
      final long[] acceptedAt;
      final long[] acceptedAtMillis;

      Sent(String[] tokens, long[] sentAt, long[] acceptedAt, long[] acceptedAtMillis) {
        this.tokens = tokens;
        this.sentAt = sentAt;
        this.acceptedAt = acceptedAt;
        this.acceptedAtMillis = acceptedAtMillis;
      }
    }

    /**
     * Sends {@code count} revocations at {@code rate} per second, each due at its own time (a late
     * one does not shift the ones after it), and waits until every receiver has all of them.
     */
    private Sent revokeAt(HttpConnection admin, int rate, int count, List<Arrivals> receivers)
        throws Exception {
      String[] tokens = new String[count];
      long[] sentAt = new long[count];
      long[] acceptedAt = new long[count];
      long[] acceptedAtMillis = new long[count];
      long interval = TimeUnit.SECONDS.toNanos(1) / rate;
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        long due = start + i * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        tokens[i] = UUID.randomUUID().toString();
        sentAt[i] = System.nanoTime();
        int status =
            admin
                .post(
                    "/admin/revocations",
                    SECURITY_CONSOLE,
                    "application/json",
                    "{\"kind\":\"token\",\"value\":\"" + tokens[i] + "\"}")
                .status();
        acceptedAt[i] = System.nanoTime();
        acceptedAtMillis[i] = System.currentTimeMillis();
        if (status != 202) {
          throw new IllegalStateException("revocation answered " + status);
        }
      }
      long deadline = System.nanoTime() + DRAIN.toNanos();
      for (Arrivals receiver : receivers) {
        for (String token : tokens) {
          while (receiver.arrival(token).isEmpty()) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException(
                  receiver.name + " did not receive the SET of " + token + " within " + DRAIN);
            }
            TimeUnit.MILLISECONDS.sleep(5); // a harness poll, not a test wait
          }
        }
      }
      return new Sent(tokens, sentAt, acceptedAt, acceptedAtMillis);
    }

    private void report(
        Sent sent, List<PushReceiver> pushes, PollReceiver poll, ProducedSets produced) {
      Histogram producedAfter = histogram();
      for (int i = 0; i < sent.tokens.length; i++) {
        long at = produced.producedAt(sent.tokens[i]).orElse(Long.MIN_VALUE);
        if (at != Long.MIN_VALUE) {
          producedAfter.recordValue(
              TimeUnit.MILLISECONDS.toNanos(Math.max(0, at - sent.acceptedAtMillis[i])));
        }
      }
      Histogram pooled = histogram();
      Histogram pooledFromSend = histogram();
      Histogram allPush = histogram();
      Histogram polled = histogram();
      Histogram admin = histogram();
      out.println("latency in ms                         n      p50      p90      p99      max");
      for (PushReceiver push : pushes) {
        Histogram one = histogram();
        for (int i = 0; i < sent.tokens.length; i++) {
          long arrived = push.arrivals.arrival(sent.tokens[i]).orElseThrow();
          one.recordValue(Math.max(0, arrived - sent.acceptedAt[i]));
          pooled.recordValue(Math.max(0, arrived - sent.acceptedAt[i]));
          pooledFromSend.recordValue(Math.max(0, arrived - sent.sentAt[i]));
        }
        print(push.arrivals.name + " (from 202)", one);
      }
      for (int i = 0; i < sent.tokens.length; i++) {
        long last = Long.MIN_VALUE;
        for (PushReceiver push : pushes) {
          last = Math.max(last, push.arrivals.arrival(sent.tokens[i]).orElseThrow());
        }
        allPush.recordValue(Math.max(0, last - sent.acceptedAt[i]));
        polled.recordValue(
            Math.max(0, poll.arrivals.arrival(sent.tokens[i]).orElseThrow() - sent.acceptedAt[i]));
        admin.recordValue(sent.acceptedAt[i] - sent.sentAt[i]);
      }
      print("push, pooled (from 202)", pooled);
      print("push, pooled (from send)", pooledFromSend);
      print("push, all receivers (from 202)", allPush);
      print("poll (from 202)", polled);
      print("admin call (send to 202)", admin);
      print("first SET produced (from 202, ms clock)", producedAfter);
      long duplicates = pushes.stream().mapToLong(p -> p.arrivals.duplicates.get()).sum();
      out.printf(
          Locale.ROOT,
          "duplicates (same jti twice): push %d, poll %d; poll errors %d%n",
          duplicates,
          poll.arrivals.duplicates.get(),
          poll.errors.get());
      out.printf(
          Locale.ROOT,
          "headline: push p99 from 202 %.2f ms (target < 100 ms at 100 revocations/s to 10"
              + " receivers); poll p99 %.2f ms%n",
          pooled.getValueAtPercentile(99) / 1e6,
          polled.getValueAtPercentile(99) / 1e6);
    }

    private static Histogram histogram() {
      return new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    }

    private void print(String label, Histogram h) {
      out.printf(
          Locale.ROOT,
          "%-34s %6d %8.2f %8.2f %8.2f %8.2f%n",
          label,
          h.getTotalCount(),
          h.getValueAtPercentile(50) / 1e6,
          h.getValueAtPercentile(90) / 1e6,
          h.getValueAtPercentile(99) / 1e6,
          h.getMaxValue() / 1e6);
    }

    private String receiverToken() throws Exception {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://localhost:" + issuerPort + "/oauth2/token"))
              .header("Authorization", SSF_RECEIVER)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "grant_type=client_credentials&audience=urn%3Atokenwatch%3Assf"
                          + "&scope=ssf%3Aread+ssf%3Amanage+ssf%3Apoll"))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "token request answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body()).path("access_token").asText();
    }

    private JsonNode createStream(String bearer, String body) throws Exception {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://localhost:" + signalsPort + "/ssf/streams"))
              .header("Authorization", bearer)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 201) {
        throw new IllegalStateException(
            "stream creation answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    }
  }
}
