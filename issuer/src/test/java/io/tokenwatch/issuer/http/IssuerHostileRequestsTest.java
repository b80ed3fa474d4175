package io.tokenwatch.issuer.http;

import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.HostileRequests;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw malformed requests against the issuer, including those Jetty refuses before routing: every
 * one is answered with an RFC 6749 JSON error, never HTML, never a stack trace.
 */
class IssuerHostileRequestsTest {

  private static TestIssuer issuer;

  @BeforeAll
  static void start() throws IOException {
    issuer = new TestIssuer(Files.createTempDirectory("hostile-requests-issuer"));
  }

  @AfterAll
  static void stop() {
    issuer.close();
  }

  static List<HostileRequests.Case> corpus() {
    // TestIssuer limits bodies as the issuer does by default (issuer.http.max-body-bytes); the
    // token endpoint reads its form body.
    return HostileRequests.corpus(
        HostileRequests.Target.withBodies(
            "/health", "/oauth2/token", "application/x-www-form-urlencoded", 16_384));
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void shouldRefuseEveryHostileRequestWithAnOAuthJsonError(HostileRequests.Case hostile)
      throws IOException {
    HostileRequests.assertRefusedWithJson(
        URI.create(issuer.url()).getPort(), hostile, ErrorFormat.OAUTH);
  }
}
