package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.schemas.topic.Topics;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin calls without a valid admin credential are refused with a 4xx and an error body, and
 * nothing reaches Kafka: no credential, a wrong secret, a client that is not an admin, a bearer
 * token that is not an admin token, a malformed header. The same call with the admin's credential
 * is accepted, so the refusals are the credential's doing.
 */
@Tag("integration")
class AdminCredentialIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dataDir;

  @Test
  void shouldRefuseAdminCallsWithoutAValidAdminCredentialAndWriteNothing() {
    try (Pipeline pipeline = Pipeline.start(dataDir, Duration.ofSeconds(30))) {
      HttpResponse<String> issued =
          await().atMost(WAIT).until(pipeline::requestToken, answer -> answer.statusCode() == 200);
      String accessToken = Pipeline.accessToken(issued);

      Map<String, String> forged = new LinkedHashMap<>();
      forged.put("no credential", "");
      forged.put("wrong secret", basic("security-console", "not-the-secret"));
      forged.put("a client that is not an admin", Pipeline.ORDERS_SERVICE);
      forged.put("an ordinary access token", "Bearer " + accessToken);
      forged.put("a malformed Basic header", "Basic !!!not-base64");
      forged.put("an unknown scheme", "Negotiate abc");

      List<String> refusedSelectors = new ArrayList<>();
      int refused = 0;
      for (Map.Entry<String, String> attempt : forged.entrySet()) {
        String victim = "victim-" + UUID.randomUUID();
        HttpResponse<String> answer =
            Pipeline.post(
                pipeline.issuerUrl() + "/admin/revocations",
                attempt.getValue(),
                "application/json",
                "{\"kind\":\"token\",\"value\":\"" + victim + "\"}");
        assertThat(answer.statusCode())
            .as("%s: %s", attempt.getKey(), answer.body())
            .isIn(401, 403);
        assertThat(answer.body())
            .as(attempt.getKey())
            .contains("\"error\"")
            .doesNotContain("at io.");
        refusedSelectors.add("token:" + victim);
        refused++;
      }

      String accepted = "accepted-" + UUID.randomUUID();
      HttpResponse<String> admin = pipeline.revokeToken(accepted);
      assertThat(admin.statusCode()).as(admin.body()).isEqualTo(202);

      List<String> requested = new ArrayList<>();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                requested.clear();
                TopicReader.readAll(
                        pipeline.bootstrapServers(),
                        pipeline.schemaRegistryUrl(),
                        Topics.REVOCATION_REQUESTS.name(),
                        RevocationRequested.class)
                    .forEach(r -> requested.add(r.key()));
                assertThat(requested).contains("token:" + accepted);
              });
      assertThat(requested).doesNotContainAnyElementsOf(refusedSelectors);

      Figures.record(
          "admin credentials",
          Map.of(
              "forgedAdminCalls",
              forged.size(),
              "refused4xx",
              refused,
              "revocationRequestsWrittenForForged",
              requested.stream().filter(refusedSelectors::contains).count(),
              "adminCallAccepted",
              1));
    }
  }

  private static String basic(String client, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }
}
