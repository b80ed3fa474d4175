package io.tokenwatch.embedded.registry;

import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.HostileRequests;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Raw malformed requests against the registry, including those Jetty refuses before routing: every
 * one is answered with Confluent's error body, which Confluent's clients parse, never HTML.
 */
class RegistryRefusalsTest {

  private static final RegistryCredential WRITER = RegistryCredential.random("tokenwatch");
  private static EmbeddedSchemaRegistry registry;

  @BeforeAll
  static void start() {
    registry =
        EmbeddedSchemaRegistry.builder()
            .log(new InMemorySchemaLog())
            .writeCredential(WRITER)
            .build()
            .start();
  }

  @AfterAll
  static void stop() {
    registry.close();
  }

  static List<HostileRequests.Case> corpus() {
    // Javalin's default body limit (1 MB); the credential gets a registration to the body.
    return HostileRequests.corpus(
        HostileRequests.Target.withBodies(
                "/subjects", "/subjects/s/versions", RawRegistryClient.MEDIA_TYPE, 1_000_000)
            .withBodyHeaders(
                "Authorization: " + RawRegistryClient.basic(WRITER.userInfo()) + "\r\n"));
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void shouldRefuseEveryHostileRequestWithAConfluentErrorBody(HostileRequests.Case hostile)
      throws IOException {
    HostileRequests.assertRefusedWithJson(registry.port(), hostile, ErrorFormat.CONFLUENT);
  }
}
