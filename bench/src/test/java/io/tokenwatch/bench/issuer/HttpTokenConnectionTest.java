package io.tokenwatch.bench.issuer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpTokenConnectionTest {

  private static final String TOKEN = "{\"access_token\":\"eyJ.x.y\",\"token_type\":\"Bearer\"}";

  private HttpServer server;
  private ExecutorService executor;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
  private final AtomicInteger answered = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext(
        "/oauth2/token",
        exchange -> {
          requests.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization")
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          peers.add(exchange.getRemoteAddress());
          int n = answered.incrementAndGet();
          byte[] body = (n % 4 == 3 ? "{\"error\":\"x\"}" : TOKEN).getBytes(StandardCharsets.UTF_8);
          int status = n % 4 == 0 ? 503 : 200;
          // alternate a known length with chunked transfer encoding (length 0 here)
          exchange.sendResponseHeaders(status, n % 2 == 0 ? body.length : 0);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop(0);
    executor.shutdownNow();
    executor.awaitTermination(10, TimeUnit.SECONDS);
  }

  private URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/oauth2/token");
  }

  @Test
  void shouldPostTheTokenRequestOnOneKeptAliveConnectionAndClassifyEachAnswer() throws Exception {
    OpenLoop.Connector connector =
        HttpTokenConnection.connector(uri(), "grant_type=client_credentials", "c", "s", 5_000);
    List<String> outcomes = new ArrayList<>();
    try (OpenLoop.Connection connection = connector.open()) {
      for (int i = 0; i < 8; i++) {
        outcomes.add(String.valueOf(connection.exchange()));
      }
    }

    // answers 1..8: 200 chunked, 200 sized, 200 chunked without a token, 503 sized, ...
    assertThat(outcomes)
        .containsExactly(
            "null",
            "null",
            "no_access_token",
            "http_503",
            "null",
            "null",
            "no_access_token",
            "http_503");
    assertThat(requests)
        .allMatch(r -> r.equals("POST Basic Yzpz grant_type=client_credentials"))
        .hasSize(8);
    assertThat(peers.stream().distinct()).hasSize(1);
  }

  @Test
  void shouldReportARefusedConnectionAsConnectFailed() throws Exception {
    URI uri = uri();
    server.stop(0);
    OpenLoop loop =
        new OpenLoop(
            OpenLoop.Ticker.SYSTEM,
            HttpTokenConnection.connector(uri, "grant_type=client_credentials", "c", "s", 5_000),
            2);

    OpenLoop.Result result =
        loop.run(100, TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.SECONDS.toNanos(30));

    assertThat(result.errors()).isEqualTo(Map.of("connect_failed", 10L));
  }

  @Test
  void shouldAnswerEveryScheduledRequestOverSeveralConnections() throws Exception {
    OpenLoop loop =
        new OpenLoop(
            OpenLoop.Ticker.SYSTEM,
            HttpTokenConnection.connector(uri(), "grant_type=client_credentials", "c", "s", 5_000),
            4);

    OpenLoop.Result result =
        loop.run(200, TimeUnit.MILLISECONDS.toNanos(400), TimeUnit.SECONDS.toNanos(30));

    assertThat(result.scheduled()).isEqualTo(80);
    assertThat(result.ok() + result.errorCount()).isEqualTo(80);
    assertThat(result.errors()).containsOnlyKeys("no_access_token", "http_503");
    assertThat(result.ok()).isEqualTo(40);
  }
}
