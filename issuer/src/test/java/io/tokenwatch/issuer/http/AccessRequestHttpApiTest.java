package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.PASSWORD;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The access-request API over HTTP, with people from a users file: rules and hostile input. */
class AccessRequestHttpApiTest {

  private static final String JSON = "application/json";
  private static final String EXPORT_REQUEST =
      "{\"client_id\":\"orders-service\",\"audience\":\""
          + ORDERS
          + "\",\"scopes\":[\"orders:export\"],\"purpose\":\"quarterly export\","
          + "\"duration\":\"PT8H\"}";

  @TempDir static Path users;
  @TempDir Path dir;
  TestIssuer issuer;

  @BeforeAll
  static void writeUsers() {
    TestIssuer.writeUsers(users); // hashing is slow: once for the class
  }

  @BeforeEach
  void start() throws Exception {
    java.nio.file.Files.copy(users.resolve("users.yaml"), dir.resolve("users.yaml"));
    issuer = new TestIssuer(dir);
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  private static Map<String, String> as(String user) {
    return basic(user, PASSWORD);
  }

  private HttpResponse<String> post(String path, String body, String user) {
    return issuer.post(path, JSON, body, as(user));
  }

  private HttpResponse<String> get(String path, String user) {
    return issuer.send(
        HttpRequest.newBuilder(URI.create(issuer.url() + path))
            .header("Authorization", as(user).get("Authorization"))
            .GET()
            .build());
  }

  private String requestExport() {
    HttpResponse<String> created = post("/access-requests", EXPORT_REQUEST, "ann");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return Json.field(created.body(), "id");
  }

  private static void assertProblem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(Json.field(response.body(), "status")).isEqualTo(String.valueOf(status));
    assertThat(Json.field(response.body(), "detail")).isNotBlank();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void shouldTakeARequestThroughTwoApprovalsAndAReviewWhileRefusingEachBrokenRule() {
    String id = requestExport();
    assertThat(issuer.accessStore.saved()).hasSize(1);

    HttpResponse<String> self = post("/access-requests/" + id + "/approve", "", "ann");
    assertProblem(self, 403);
    assertThat(Json.field(self.body(), "rule")).isEqualTo("no_self_approval");
    HttpResponse<String> notAnApprover = post("/access-requests/" + id + "/approve", "", "dee");
    assertProblem(notAnApprover, 403);
    assertThat(Json.field(notAnApprover.body(), "rule")).isEqualTo("approver_role_required");

    HttpResponse<String> first =
        post("/access-requests/" + id + "/approve", "{\"comment\":\"needed for Q3\"}", "bob");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(Json.field(first.body(), "status")).isEqualTo("pending");
    HttpResponse<String> again = post("/access-requests/" + id + "/approve", "", "bob");
    assertProblem(again, 409);
    assertThat(Json.field(again.body(), "rule")).isEqualTo("one_approval_per_person");

    HttpResponse<String> second = post("/access-requests/" + id + "/approve", "", "cid");
    assertThat(Json.field(second.body(), "status")).isEqualTo("approved");
    assertThat(Json.field(second.body(), "exception_id")).startsWith("exc-");
    assertThat(Json.tree(second.body()).get("approvals").get(0).get("comment").asText())
        .isEqualTo("needed for Q3");

    HttpResponse<String> approverReviews = post("/access-requests/" + id + "/review", "", "cid");
    assertProblem(approverReviews, 403);
    assertThat(Json.field(approverReviews.body(), "rule")).isEqualTo("approver_cannot_review");
    assertThat(post("/access-requests/" + id + "/review", "", "dee").statusCode()).isEqualTo(200);
    assertThat(issuer.accessStore.saved()).hasSize(4);

    JsonNode approved = Json.tree(get("/access-requests?status=approved", "dee").body());
    assertThat(approved.get("requests")).hasSize(1);
    assertThat(Json.field(get("/access-requests/" + id, "ann").body(), "status"))
        .isEqualTo("approved");
  }

  @Test
  void shouldRefuseTheRequesterApprovingTheirOwnRequestEvenAsAnApprover() {
    HttpResponse<String> created = post("/access-requests", EXPORT_REQUEST, "bob");
    String id = Json.field(created.body(), "id");

    HttpResponse<String> self = post("/access-requests/" + id + "/approve", "", "bob");

    assertProblem(self, 403);
    assertThat(Json.field(self.body(), "rule")).isEqualTo("no_self_approval");
    assertThat(Json.field(self.body(), "detail")).contains("someone else must approve it");
    assertThat(issuer.accessStore.saved()).hasSize(1);
  }

  @Test
  void shouldAcceptANarrowingProposalAsLeastPrivilegeSendsItWithOrWithoutAudience() {
    HttpResponse<String> everyAudience =
        post(
            "/access-requests",
            "{\"kind\":\"NARROW\",\"client_id\":\"orders-service\","
                + "\"scopes\":[\"orders:write\"],\"purpose\":\"unused for 30 days\","
                + "\"duration\":\"P30D\"}",
            "ann");
    HttpResponse<String> oneAudience =
        post(
            "/access-requests",
            "{\"kind\":\"narrow\",\"client_id\":\"orders-service\",\"audience\":\""
                + ORDERS
                + "\",\"scopes\":[\"orders:write\"],\"purpose\":\"unused\"}",
            "ann");
    HttpResponse<String> nothingToTake =
        post(
            "/access-requests",
            "{\"kind\":\"NARROW\",\"client_id\":\"orders-service\","
                + "\"scopes\":[\"payments:refund\"],\"purpose\":\"unused\"}",
            "ann");

    assertThat(everyAudience.statusCode()).as(everyAudience.body()).isEqualTo(201);
    assertThat(Json.field(everyAudience.body(), "kind")).isEqualTo("narrow");
    assertThat(Json.tree(everyAudience.body()).get("audience").isNull()).isTrue();
    assertThat(oneAudience.statusCode()).as(oneAudience.body()).isEqualTo(201);
    assertProblem(nothingToTake, 400);
    assertThat(Json.field(nothingToTake.body(), "detail")).contains("nothing to take away");
    String id = Json.field(everyAudience.body(), "id");
    assertThat(Json.field(post("/access-requests/" + id + "/approve", "", "bob").body(), "status"))
        .isEqualTo("approved");
    assertThat(issuer.access.exceptions()).isEmpty();
  }

  @Test
  void shouldShowPeopleWithoutApproverOrAuditorRoleOnlyTheirOwnRequests() {
    String id = requestExport();
    post("/access-requests", EXPORT_REQUEST.replace("quarterly", "other"), "bob");

    assertThat(Json.tree(get("/access-requests", "ann").body()).get("requests")).hasSize(1);
    assertThat(Json.tree(get("/access-requests", "dee").body()).get("requests")).hasSize(2);
    assertThat(get("/access-requests/" + id, "ann").statusCode()).isEqualTo(200);
  }

  @Test
  void shouldAnswer401WithABasicChallengeWithoutCredentials() {
    HttpResponse<String> response = issuer.post("/access-requests", JSON, EXPORT_REQUEST, Map.of());

    assertProblem(response, 401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Basic"));
    assertProblem(issuer.get("/access-requests"), 401);
    assertThat(issuer.accessStore.saved()).isEmpty();
  }

  @Test
  void shouldRefuseWrongPasswords() {
    HttpResponse<String> response =
        issuer.post("/access-requests", JSON, EXPORT_REQUEST, basic("ann", "wrong"));

    assertThat(response.statusCode()).isIn(401, 429);
    assertThat(issuer.accessStore.saved()).isEmpty();
  }

  @Test
  void shouldRefuseACookieAuthenticatedPostWithoutItsCsrfToken() throws Exception {
    String session = login("bob");
    String id = requestExport();

    HttpResponse<String> forged =
        issuer.post("/access-requests/" + id + "/approve", JSON, "", Map.of("Cookie", session));
    HttpResponse<String> crossSite =
        issuer.post(
            "/access-requests/" + id + "/approve",
            JSON,
            "",
            Map.of("Cookie", session, "Origin", "https://evil.example"));

    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(issuer.accessStore.saved()).hasSize(1);
    HttpResponse<String> page =
        issuer.send(
            HttpRequest.newBuilder(URI.create(issuer.url() + "/login"))
                .header("Cookie", session)
                .GET()
                .build());
    String csrf = field(page.body(), "csrf");
    HttpResponse<String> withToken =
        issuer.post(
            "/access-requests/" + id + "/approve",
            JSON,
            "",
            Map.of("Cookie", session, "X-CSRF-Token", csrf));
    assertThat(withToken.statusCode()).as(withToken.body()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{",
        "[]",
        "null",
        "\"text\"",
        "{\"client_id\":\"orders-service\"} {}",
        "{\"client_id\":\"a\",\"client_id\":\"b\"}",
        "{\"client_id\":\"orders-service\",\"audience\":\"x\",\"scopes\":[\"orders:export\"],"
            + "\"purpose\":\"p\",\"duration\":\"PT8H\",\"approved\":true}",
        "{\"client_id\":1,\"audience\":\"x\",\"scopes\":[\"a\"],\"purpose\":\"p\","
            + "\"duration\":\"PT1H\"}",
        "{\"client_id\":\"orders-service\",\"audience\":\"x\",\"scopes\":\"orders:export\","
            + "\"purpose\":\"p\",\"duration\":\"PT1H\"}",
        "{\"client_id\":\"orders-service\",\"audience\":\"x\",\"scopes\":[null],"
            + "\"purpose\":\"p\",\"duration\":\"PT1H\"}",
        "{\"client_id\":\"orders-service\",\"audience\":\"x\",\"scopes\":[\"a\"],"
            + "\"purpose\":\"p\",\"duration\":\"eight hours\"}",
        "{\"client_id\":\"orders-service\",\"audience\":\"x\",\"scopes\":[\"a\"],"
            + "\"purpose\":\" \",\"duration\":\"PT1H\"}",
        "{\"kind\":\"policy_change\",\"client_id\":\"orders-service\",\"audience\":\"x\","
            + "\"scopes\":[\"a\"],\"purpose\":\"p\",\"duration\":\"PT1H\"}"
      })
  void shouldRefuseAMalformedRequestBodyWithAProblemAndRecordNothing(String body) {
    assertProblem(post("/access-requests", body, "ann"), 400);
    assertThat(issuer.accessStore.saved()).isEmpty();
  }

  @Test
  void shouldRefuseUnknownScopesAndTooLongDurationsInPlainWords() {
    HttpResponse<String> unknown =
        post("/access-requests", EXPORT_REQUEST.replace("orders:export", "orders:all"), "ann");
    HttpResponse<String> tooLong =
        post("/access-requests", EXPORT_REQUEST.replace("PT8H", "P90D"), "ann");

    assertProblem(unknown, 400);
    assertThat(Json.field(unknown.body(), "detail")).contains("unknown scope(s) orders:all");
    assertProblem(tooLong, 400);
    assertThat(Json.field(tooLong.body(), "detail")).contains("longest exception allowed");
    assertThat(issuer.accessStore.saved()).isEmpty();
  }

  @Test
  void shouldRefuseBodiesThatAreNotUtf8NotJsonOrTooLarge() {
    assertProblem(
        issuer.postBytes(
            "/access-requests",
            JSON,
            new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'},
            as("ann")),
        400);
    assertProblem(issuer.post("/access-requests", "text/plain", EXPORT_REQUEST, as("ann")), 415);
    String huge = EXPORT_REQUEST.replace("quarterly export", "x".repeat(9_000));
    assertProblem(post("/access-requests", huge, "ann"), 413);
    String id = requestExport();
    assertProblem(post("/access-requests/" + id + "/approve", "{\"comment\":" + "1}", "bob"), 400);
    assertProblem(post("/access-requests/" + id + "/approve", "{\"note\":\"x\"}", "bob"), 400);
    assertThat(issuer.accessStore.saved()).hasSize(1);
  }

  @Test
  void shouldAnswer404ForAnUnknownOrMalformedRequestId() {
    assertProblem(
        post("/access-requests/req-00000000-0000-0000-0000-000000000000/approve", "", "bob"), 404);
    assertProblem(post("/access-requests/..%2F..%2Fetc/approve", "", "bob"), 404);
    assertProblem(get("/access-requests/req-00000000-0000-0000-0000-000000000000", "bob"), 404);
    assertProblem(get("/access-requests?status=granted", "bob"), 400);
  }

  /** Logs {@code user} in through the login form and returns the session cookie to send. */
  private String login(String user) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> form =
        http.send(
            HttpRequest.newBuilder(URI.create(issuer.url() + "/login")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    String preSession = cookie(form, "tw_login");
    String csrf = field(form.body(), "csrf");
    String body =
        "username="
            + user
            + "&password="
            + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8)
            + "&csrf="
            + URLEncoder.encode(csrf, StandardCharsets.UTF_8);
    HttpResponse<String> login =
        http.send(
            HttpRequest.newBuilder(URI.create(issuer.url() + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", preSession)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(login.statusCode()).as(login.body()).isIn(200, 302, 303);
    return cookie(login, "tw_session");
  }

  private static String cookie(HttpResponse<String> response, String name) {
    for (String header : response.headers().allValues("Set-Cookie")) {
      if (header.startsWith(name + "=")) {
        return header.substring(0, header.indexOf(';'));
      }
    }
    throw new AssertionError("no " + name + " cookie in " + response.headers());
  }

  private static String field(String html, String name) {
    Matcher matcher = Pattern.compile("name=\"" + name + "\"[^>]*value=\"([^\"]+)\"").matcher(html);
    if (!matcher.find()) {
      throw new AssertionError("no field " + name + " in " + html);
    }
    return matcher.group(1);
  }
}
