package io.tokenwatch.console.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.console.source.AuditClient.Failure;
import io.tokenwatch.console.source.AuditClient.Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's audit API client against a small stand-in for the issuer's token endpoint and the
 * audit API: tokens are asked for once and kept until shortly before they expire, a refused token
 * is replaced once, and every failure is a message, not an exception.
 */
class AuditClientTest {

  @TempDir Path dir;
  HttpServer server;
  String base;
  final AtomicInteger tokensIssued = new AtomicInteger();
  final List<String> bearersSeen = Collections.synchronizedList(new ArrayList<>());
  volatile int tokenStatus = 200;
  volatile int apiStatus = 200;
  volatile boolean refuseFirstUse;
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T09:00:00Z"));

  @BeforeEach
  void start() throws IOException {
    server =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/oauth2/token",
        exchange -> {
          String auth = exchange.getRequestHeaders().getFirst("Authorization");
          String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
          boolean ok =
              tokenStatus == 200
                  && auth != null
                  && auth.equals(
                      "Basic "
                          + java.util.Base64.getEncoder()
                              .encodeToString("console:s3cret".getBytes(UTF_8)))
                  && body.contains("audience=urn%3Atokenwatch%3Aaudit")
                  && body.contains("scope=audit%3Aread");
          String answer =
              ok
                  ? "{\"access_token\":\"tok-"
                      + tokensIssued.incrementAndGet()
                      + "\",\"token_type\":\"Bearer\",\"expires_in\":300}"
                  : "{\"error\":\"invalid_client\",\"error_description\":\"client authentication"
                      + " failed\"}";
          send(exchange, ok ? 200 : 401, answer);
        });
    server.createContext(
        "/api/v1/",
        exchange -> {
          String bearer = exchange.getRequestHeaders().getFirst("Authorization");
          bearersSeen.add(bearer);
          if (refuseFirstUse && bearersSeen.size() == 1) {
            send(exchange, 401, "{\"status\":401,\"detail\":\"token expired\"}");
          } else if (apiStatus != 200) {
            send(exchange, apiStatus, "{\"status\":" + apiStatus + ",\"detail\":\"feed stale\"}");
          } else {
            send(
                exchange,
                200,
                "{\"query\":\"" + exchange.getRequestURI().getRawQuery() + "\",\"count\":0}");
          }
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private AuditClient client() throws IOException {
    Path secret = Files.writeString(dir.resolve("secret"), "s3cret\n");
    return new AuditClient(base, base, "console", secret, clock);
  }

  @Test
  void shouldAskForOneTokenAndKeepItUntilShortlyBeforeItExpires() throws IOException {
    AuditClient audit = client();

    assertThat(audit.get("/grants", Map.of("subject", "a b&c"))).isInstanceOf(Reply.Ok.class);
    assertThat(audit.get("/grants", Map.of())).isInstanceOf(Reply.Ok.class);
    assertThat(tokensIssued).hasValue(1);

    clock.advance(Duration.ofMinutes(5).minus(AuditClient.REFRESH_MARGIN).minusSeconds(1));
    audit.get("/grants", Map.of());
    assertThat(tokensIssued).hasValue(1);

    clock.advance(Duration.ofSeconds(1));
    audit.get("/grants", Map.of());
    assertThat(tokensIssued).hasValue(2);
    assertThat(bearersSeen)
        .containsExactly("Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-2");
  }

  @Test
  void shouldEncodeQueryValues() throws IOException {
    Reply reply = client().get("/grants", Map.of("subject", "a b&c=d"));

    assertThat(((Reply.Ok) reply).body().path("query").asText()).isEqualTo("subject=a+b%26c%3Dd");
  }

  @Test
  void shouldReplaceATokenTheApiRefusesOnce() throws IOException {
    refuseFirstUse = true;

    Reply reply = client().get("/grants", Map.of());

    assertThat(reply).isInstanceOf(Reply.Ok.class);
    assertThat(bearersSeen).containsExactly("Bearer tok-1", "Bearer tok-2");
  }

  @Test
  void shouldSayWhatIsWrongInsteadOfThrowing() throws IOException {
    assertThat(new AuditClient(base, base, "console", null, clock).get("/grants", Map.of()))
        .isEqualTo(
            new Reply.Failed(
                Failure.NOT_CONFIGURED,
                "The console is not set up to read the audit history: console.client-secret-file"
                    + " is empty."));

    assertThat(
            new AuditClient(base, base, "console", dir.resolve("missing"), clock)
                .get("/grants", Map.of()))
        .satisfies(r -> assertThat(((Reply.Failed) r).failure()).isEqualTo(Failure.NOT_CONFIGURED));

    apiStatus = 503;
    assertThat(client().get("/grants", Map.of()))
        .isEqualTo(
            new Reply.Failed(Failure.UNAVAILABLE, "The audit API cannot answer now: feed stale"));

    apiStatus = 400;
    assertThat(client().get("/grants", Map.of()))
        .isEqualTo(new Reply.Failed(Failure.BAD_REQUEST, "feed stale"));

    tokenStatus = 401;
    Reply refused =
        new AuditClient(base, base, "console", dir.resolve("secret"), clock)
            .get("/grants", Map.of());
    assertThat(refused)
        .isEqualTo(
            new Reply.Failed(
                Failure.REFUSED,
                "The issuer refused the console's client console a token for the audit API:"
                    + " client authentication failed"));

    server.stop(0);
    Reply down = client().get("/grants", Map.of());
    assertThat(((Reply.Failed) down).failure()).isEqualTo(Failure.UNREACHABLE);
    assertThat(((Reply.Failed) down).message()).startsWith("The issuer at " + base);
  }

  private static void send(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
