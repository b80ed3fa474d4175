package io.tokenwatch.revocation.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.revocation.LiveRevocation;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.Selector;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.HostileRequests;
import io.tokenwatch.schemas.http.RawHttp;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw malformed requests against the revocation stream's HTTP server, including those Jetty refuses
 * before routing: every one is answered with an RFC 6749 JSON error, as {@code /introspect}'s own
 * refusals are, never HTML, never a stack trace.
 */
class IntrospectionServerRefusalsTest {

  private static final String SECRET = "introspection-test-secret";

  /** A stream that knows no token. */
  private static final class EmptyBackend implements IntrospectionBackend {
    @Override
    public Optional<String> remoteOwner(String tokenId) {
      return Optional.empty();
    }

    @Override
    public @Nullable LiveToken token(String tokenId) {
      return null;
    }

    @Override
    public long useCount(String tokenId) {
      return 0;
    }

    @Override
    public List<LiveRevocation> revocations(List<Selector> selectors) {
      return List.of();
    }

    @Override
    public boolean ready() {
      return true;
    }
  }

  private static IntrospectionServer server;

  @BeforeAll
  static void start() {
    server =
        IntrospectionServer.start(
            "localhost",
            0,
            new EmptyBackend(),
            BearerAuthenticator.sha256(SECRET),
            Clock.systemUTC(),
            () -> "");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<HostileRequests.Case> corpus() {
    // Javalin's default body limit (1 MB); the secret gets a request to the form body.
    return HostileRequests.corpus(
        HostileRequests.Target.withBodies(
                "/health", "/introspect", "application/x-www-form-urlencoded", 1_000_000)
            .withBodyHeaders("Authorization: Bearer " + SECRET + "\r\n"));
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void shouldRefuseEveryHostileRequestWithAnOAuthJsonError(HostileRequests.Case hostile)
      throws IOException {
    HostileRequests.assertRefusedWithJson(server.port(), hostile, ErrorFormat.OAUTH);
  }

  @Test
  void shouldStillIntrospectAWellFormedRequest() throws IOException {
    RawHttp.Response response =
        RawHttp.send(
            server.port(),
            "POST /introspect HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + SECRET
                + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n"
                + "Connection: close\r\n\r\ntoken=abc");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"active\":false}");
  }
}
