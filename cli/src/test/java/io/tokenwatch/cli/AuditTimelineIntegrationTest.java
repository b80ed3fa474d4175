package io.tokenwatch.cli;

import static io.tokenwatch.cli.PlatformUnderTest.JSON;
import static io.tokenwatch.cli.PlatformUnderTest.SECURITY_CONSOLE;
import static io.tokenwatch.cli.PlatformUnderTest.authorize;
import static io.tokenwatch.cli.PlatformUnderTest.claims;
import static io.tokenwatch.cli.PlatformUnderTest.get;
import static io.tokenwatch.cli.PlatformUnderTest.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The audit trail end to end on {@code tokenwatch up}: a token issued, used at the validator and
 * revoked shows all three in its audit timeline, over the API and through the CLI's {@code --url}
 * mode, while the CLI's file mode says the running sink holds the store.
 */
@Tag("integration")
class AuditTimelineIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dataDir;

  @Test
  void shouldTellATokensLifeFromIssuanceThroughUseToRevocation() throws Exception {
    try (PlatformUnderTest platform = PlatformUnderTest.start(dataDir)) {
      String token = platform.issue(Map.of());
      String jti = claims(token).get("jti").asText();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(authorize(platform.endpoint("validator"), token).statusCode())
                      .isEqualTo(200));
      HttpResponse<String> revoked =
          post(
              platform.endpoint("issuer") + "/admin/revocations",
              SECURITY_CONSOLE,
              "application/json",
              "{\"kind\":\"token\",\"value\":\"" + jti + "\",\"reason\":\"ADMIN\"}");
      assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(202);

      String audit = platform.endpoint("audit");
      String auditToken = platform.auditToken();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                HttpResponse<String> answer =
                    get(
                        audit + "/tokens/" + jti + "/timeline",
                        Map.of("Authorization", "Bearer " + auditToken));
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                List<String> types = new ArrayList<>();
                for (JsonNode event : JSON.readTree(answer.body()).path("events")) {
                  types.add(event.path("type").asText());
                }
                assertThat(types).contains("TokenIssued", "TokenUsed", "Revocation");
                // The token's life in order; the policy version it was issued under (its
                // PolicyChanged) comes before it, as context.
                assertThat(types.indexOf("TokenIssued"))
                    .isLessThan(types.indexOf("TokenUsed"))
                    .isLessThan(types.indexOf("Revocation"));
                assertThat(types.subList(0, types.indexOf("TokenIssued")))
                    .allMatch(type -> type.equals("PolicyChanged"));
              });

      HttpResponse<String> anonymous = get(audit + "/events", Map.of());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
      HttpResponse<String> wrongAudience =
          get(audit + "/events", Map.of("Authorization", "Bearer " + token));
      assertThat(wrongAudience.statusCode()).isEqualTo(401);

      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine cli = Tokenwatch.commandLine();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      int timeline =
          cli.execute(
              "audit",
              "timeline",
              "--token",
              jti,
              "--url",
              audit.substring(0, audit.indexOf("/api/v1")),
              "--access-token",
              auditToken,
              "--format",
              "jsonl");
      assertThat(timeline).as(err.toString()).isZero();
      assertThat(out.toString()).contains("\"type\":\"Revocation\"");

      err.getBuffer().setLength(0);
      int local = cli.execute("audit", "query", "--data-dir", dataDir.toString());
      assertThat(local).isEqualTo(1);
      assertThat(err.toString()).contains("held by another process").contains("--url");
    }
  }
}
