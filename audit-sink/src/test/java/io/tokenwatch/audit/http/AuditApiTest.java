package io.tokenwatch.audit.http;

import static io.tokenwatch.audit.http.ApiFixture.get;
import static io.tokenwatch.audit.http.ApiFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.audit.CheckpointSigner;
import io.tokenwatch.audit.store.KeyFiles;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuditApiTest {

  private static String goodToken;
  private static String noScopeToken;

  @BeforeAll
  static void start() throws Exception {
    ApiFixture.start();
    goodToken = ApiFixture.goodToken;
    noScopeToken = ApiFixture.noScopeToken;
  }

  @AfterAll
  static void stop() {
    ApiFixture.stop();
  }

  @Test
  void shouldAnswerQueriesWithAValidToken() throws Exception {
    HttpResponse<String> events = get("/api/v1/events?subject=alice", goodToken);
    assertThat(events.statusCode()).as(events.body()).isEqualTo(200);
    assertThat(json(events).path("count").asInt()).isEqualTo(2);

    HttpResponse<String> grants = get("/api/v1/grants?client=app", goodToken);
    assertThat(json(grants).path("grants").get(0).path("state").asText()).isEqualTo("revoked");

    HttpResponse<String> timeline = get("/api/v1/tokens/t1/timeline", goodToken);
    assertThat(json(timeline).path("count").asInt()).isEqualTo(3);

    assertThat(get("/api/v1/least-privilege?days=3650", goodToken).statusCode()).isEqualTo(200);
    assertThat(json(get("/api/v1/verify", goodToken)).path("verifies").asBoolean()).isTrue();
  }

  @Test
  void shouldExplainWhyATokenExistsAndSayPlainlyWhenNothingHasTheId() throws Exception {
    HttpResponse<String> why = get("/api/v1/why/t1", goodToken);
    assertThat(why.statusCode()).as(why.body()).isEqualTo(200);
    assertThat(json(why).path("found").asBoolean()).isTrue();
    assertThat(json(why).path("state").asText()).isEqualTo("revoked");
    assertThat(json(why).path("lines").get(0).asText())
        .startsWith("Token t1 was granted at")
        .contains("to client app for subject alice");

    HttpResponse<String> unknown = get("/api/v1/why/nobody", goodToken);
    assertThat(unknown.statusCode()).isEqualTo(200);
    assertThat(json(unknown).path("found").asBoolean()).isFalse();

    assertThat(get("/api/v1/why/t1", null).statusCode()).isEqualTo(401);
    HttpResponse<String> badParam = get("/api/v1/why/t1?subject=x", goodToken);
    assertThat(badParam.statusCode()).isEqualTo(400);
    assertThat(badParam.headers().firstValue("Content-Type").orElse(""))
        .contains("application/problem+json");
    assertThat(get("/api/v1/why/t1?limit=0", goodToken).statusCode()).isEqualTo(400);
  }

  @Test
  void shouldRefuseMissingInvalidAndUnderScopedTokens() throws Exception {
    HttpResponse<String> missing = get("/api/v1/events", null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(missing.headers().firstValue("Content-Type").orElse(""))
        .contains("application/problem+json");

    HttpResponse<String> invalid = get("/api/v1/events", "not-a-token");
    assertThat(invalid.statusCode()).isEqualTo(401);
    assertThat(invalid.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("invalid_token");

    HttpResponse<String> noScope = get("/api/v1/events", noScopeToken);
    assertThat(noScope.statusCode()).isEqualTo(403);
    assertThat(noScope.headers().firstValue("WWW-Authenticate").orElse(""))
        .contains("insufficient_scope");
  }

  @Test
  void shouldAnswerBadParametersWithProblemJson() throws Exception {
    for (String query :
        List.of(
            "/api/v1/events?limit=0",
            "/api/v1/events?limit=abc",
            "/api/v1/events?type=Nope",
            "/api/v1/events?from=yesterday",
            "/api/v1/events?nope=1",
            "/api/v1/events?subject=a&subject=b",
            "/api/v1/events?from=2026-01-02&to=2026-01-01",
            "/api/v1/least-privilege?days=-1")) {
      HttpResponse<String> answer = get(query, goodToken);
      assertThat(answer.statusCode()).as(query).isEqualTo(400);
      assertThat(json(answer).path("status").asInt()).as(query).isEqualTo(400);
    }
    assertThat(get("/api/v1/nothing", goodToken).statusCode()).isEqualTo(404);
  }

  @Test
  void shouldFilterGrantsByAudienceAndOneOfTheirScopes() throws Exception {
    assertThat(json(get("/api/v1/grants?audience=urn:api&scope=write", goodToken)).path("count"))
        .hasToString("1");
    assertThat(json(get("/api/v1/grants?scope=admin", goodToken)).path("count")).hasToString("0");
    assertThat(json(get("/api/v1/grants?audience=urn:other", goodToken)).path("count"))
        .hasToString("0");
    // "rea" is part of a scope's name, not a scope: no prefix matching
    assertThat(json(get("/api/v1/grants?scope=rea", goodToken)).path("count")).hasToString("0");
    assertThat(get("/api/v1/events?audience=urn:api", goodToken).statusCode()).isEqualTo(400);
  }

  @Test
  void shouldTellEachEventsChainPositionAndTheCheckpointThatSealedIt() throws Exception {
    JsonNode before = json(get("/api/v1/tokens/t1/timeline", goodToken)).path("events");
    assertThat(before).hasSize(3);
    for (JsonNode event : before) {
      assertThat(event.path("chain_seq").isIntegralNumber()).as(event.toString()).isTrue();
      assertThat(event.has("sealed_by")).as(event.toString()).isFalse();
    }

    ApiFixture.store.checkpoint(
        new CheckpointSigner(KeyFiles.loadOrCreate(ApiFixture.dir)), System.currentTimeMillis());

    JsonNode after = json(get("/api/v1/events?subject=alice", goodToken)).path("events");
    assertThat(after).isNotEmpty();
    for (JsonNode event : after) {
      assertThat(event.path("sealed_by").asLong()).as(event.toString()).isEqualTo(1);
    }
  }
}
