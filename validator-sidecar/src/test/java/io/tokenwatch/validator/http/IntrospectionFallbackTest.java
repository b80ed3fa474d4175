package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.validator.RevocationFallback.Answer;
import io.tokenwatch.validator.VerifiedToken;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IntrospectionFallbackTest {

  private HttpServer server;
  private volatile int status = 200;
  private volatile String body = "{\"active\":true}";
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    server.createContext(
        "/introspect",
        exchange -> {
          requests.add(
              exchange.getRequestHeaders().getFirst("Authorization")
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
  }

  @AfterEach
  void stopStub() {
    server.stop(0);
  }

  private IntrospectionFallback fallback() {
    return new IntrospectionFallback(
        URI.create("http://localhost:" + server.getAddress().getPort() + "/introspect"),
        "s3cret",
        Duration.ofSeconds(2));
  }

  @Test
  void shouldMapActiveAndInactiveAnswersAndSendTheTokenIdWithTheSecret() {
    assertThat(fallback().check(token())).isEqualTo(Answer.ACTIVE);
    body = "{\"active\":false,\"revocation_reason\":\"ADMIN\"}";
    assertThat(fallback().check(token())).isEqualTo(Answer.INACTIVE);
    assertThat(requests).allMatch(r -> r.equals("Bearer s3cret token=jti-1"));
  }

  @Test
  void shouldAnswerUnknownForRefusalsGarbageAndUnreachableEndpoints() {
    status = 401;
    body = "{\"error\":\"invalid_token\"}";
    assertThat(fallback().check(token())).isEqualTo(Answer.UNKNOWN);
    status = 200;
    body = "not json";
    assertThat(fallback().check(token())).isEqualTo(Answer.UNKNOWN);
    body = "{\"active\":\"yes\"}";
    assertThat(fallback().check(token())).isEqualTo(Answer.UNKNOWN);
    int port = server.getAddress().getPort();
    server.stop(0);
    assertThat(
            new IntrospectionFallback(
                    URI.create("http://localhost:" + port + "/introspect"),
                    "s3cret",
                    Duration.ofMillis(500))
                .check(token()))
        .isEqualTo(Answer.UNKNOWN);
  }

  private static VerifiedToken token() {
    Instant issued = Instant.parse("2026-01-01T00:00:00Z");
    return new VerifiedToken(
        "jti-1",
        "https://issuer",
        "alice",
        List.of("api"),
        "app",
        Set.of(),
        issued,
        null,
        issued.plusSeconds(300),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        List.of(),
        "kid-1");
  }
}
