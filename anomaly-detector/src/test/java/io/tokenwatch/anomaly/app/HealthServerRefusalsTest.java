package io.tokenwatch.anomaly.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.HostileRequests;
import io.tokenwatch.schemas.http.RawHttp;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw malformed requests against the detector's health and metrics server, including those Jetty
 * refuses before routing: every one is answered with RFC 7807 problem JSON, never HTML.
 */
class HealthServerRefusalsTest {

  private static HealthServer server;

  @BeforeAll
  static void start() {
    server = HealthServer.start("localhost", 0, () -> true, () -> "");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<HostileRequests.Case> corpus() {
    return HostileRequests.corpus(HostileRequests.Target.withoutBodies("/ready"));
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void shouldRefuseEveryHostileRequestWithAProblemJsonBody(HostileRequests.Case hostile)
      throws IOException {
    HostileRequests.assertRefusedWithJson(server.port(), hostile, ErrorFormat.PROBLEM);
  }

  @Test
  void shouldStillAnswerReadiness() throws IOException {
    RawHttp.Response response =
        RawHttp.send(
            server.port(), "GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"ready\":true}");
  }
}
