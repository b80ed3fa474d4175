package io.tokenwatch.audit.http;

import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.HostileRequests;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw malformed requests against the audit API, including those Jetty refuses before routing: every
 * one is answered with RFC 7807 problem JSON, never HTML, never a stack trace.
 */
class AuditApiRefusalsTest {

  @BeforeAll
  static void start() throws Exception {
    ApiFixture.start();
  }

  @AfterAll
  static void stop() {
    ApiFixture.stop();
  }

  static List<HostileRequests.Case> corpus() {
    // The API only reads: no route takes a body.
    return HostileRequests.corpus(HostileRequests.Target.withoutBodies("/health"));
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void shouldRefuseEveryHostileRequestWithAProblemJsonBody(HostileRequests.Case hostile)
      throws IOException {
    HostileRequests.assertRefusedWithJson(ApiFixture.api.port(), hostile, ErrorFormat.PROBLEM);
  }
}
