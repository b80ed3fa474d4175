package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE_URL;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * People revoking through {@code POST /admin/revocations} under the sample policy's
 * revocation_rights, and deciding on pending revocations: every answer and refusal over real HTTP,
 * with the events the issuer recorded (or did not).
 */
class PersonRevocationHttpTest {

  static final Person RITA =
      new Person("rita", "Rita Responder", EnumSet.of(Role.RESPONDER), Person.LOCAL);
  static final Person ROB =
      new Person("rob", "Rob Responder", EnumSet.of(Role.RESPONDER, Role.ANALYST), Person.LOCAL);
  static final Person ANNA =
      new Person("anna", "Anna Analyst", EnumSet.of(Role.ANALYST), Person.LOCAL);

  @TempDir Path dir;
  TestIssuer issuer;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    issuer = new TestIssuer(dir);
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  private String assertion(Person person) {
    return issuer.console.sign(person, issuer.url(), CONSOLE_URL);
  }

  private HttpResponse<String> post(String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(issuer.url() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(issuer.url() + path))
            .timeout(Duration.ofSeconds(10))
            .GET();
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> revokeAs(Person person, String body) throws Exception {
    return post("/admin/revocations", body, Map.of("Tokenwatch-Person", assertion(person)));
  }

  private HttpResponse<String> decideAs(Person person, String id, String decision)
      throws Exception {
    return post(
        "/admin/revocations/pending/" + id + "/" + decision,
        "",
        Map.of("Tokenwatch-Person", assertion(person)));
  }

  private static void assertProblem(HttpResponse<String> response, int status, String detail) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(Json.field(response.body(), "detail")).contains(detail);
    assertThat(response.body()).doesNotContain("Exception");
  }

  @Test
  void shouldRevokeATokenForAnAssertedResponderAtOnceNamingThemAndTheConsole() throws Exception {
    HttpResponse<String> response = revokeAs(RITA, "{\"kind\":\"token\",\"value\":\"jti-1\"}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(Json.field(response.body(), "status")).isEqualTo("requested");
    assertThat(Json.field(response.body(), "selector")).isEqualTo("token:jti-1");
    assertThat(issuer.recorded().requests).hasSize(1);
    assertThat(issuer.recorded().requests.get(0).getRequestedBy())
        .isEqualTo("person:rita;via:" + CONSOLE_URL);
    assertThat(issuer.recorded().requests.get(0).getPolicy().getPolicyVersion())
        .isEqualTo(issuer.policy.current().version());
    assertThat(Json.field(response.body(), "event_id"))
        .isEqualTo(issuer.recorded().requests.get(0).getEventId());
    assertThat(Json.tree(response.body()).at("/fast_path/topic").asText())
        .isEqualTo("tokenwatch.revocation-fast-path");
    assertThat(Json.tree(response.body()).at("/fast_path/offset").isNumber()).isTrue();
  }

  @Test
  void shouldRefuseAnAnalystsRevocation403WithoutEffect() throws Exception {
    HttpResponse<String> response = revokeAs(ANNA, "{\"kind\":\"token\",\"value\":\"jti-1\"}");

    assertProblem(response, 403, "needs the role responder or admin");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRefuseAForgedAssertion401WithoutEffect() throws Exception {
    String forged =
        io.tokenwatch.people.PersonAssertions.of(new byte[32], issuer.clock)
            .sign(RITA, issuer.url(), CONSOLE_URL);

    HttpResponse<String> response =
        post(
            "/admin/revocations",
            "{\"kind\":\"token\",\"value\":\"jti-1\"}",
            Map.of("Tokenwatch-Person", forged));

    assertProblem(response, 401, "not valid");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRefuseAPersonsMalformedBodyAsProblem() throws Exception {
    HttpResponse<String> response = revokeAs(RITA, "{\"kind\":\"token\"}");

    assertProblem(response, 400, "value is required");
  }

  @Test
  void shouldRevokeForAUsersFileAdminByBasicAndStillForTheAdminClient() throws Exception {
    HttpResponse<String> person =
        post(
            "/admin/revocations",
            "{\"kind\":\"token\",\"value\":\"jti-2\"}",
            basic("root", TestIssuer.PASSWORD));
    HttpResponse<String> client =
        post(
            "/admin/revocations",
            "{\"kind\":\"subject\",\"value\":\"carol\"}",
            basic(CONSOLE, CONSOLE_SECRET));

    assertThat(person.statusCode()).as(person.body()).isEqualTo(202);
    assertThat(client.statusCode()).as(client.body()).isEqualTo(202);
    assertThat(Json.field(client.body(), "status")).isEqualTo("requested");
    assertThat(issuer.recorded().requests)
        .extracting(r -> r.getRequestedBy())
        .containsExactly("person:root", "admin:" + CONSOLE);
  }

  @Test
  void shouldKeepASubjectRevocationPendingUntilASecondPersonApproves() throws Exception {
    HttpResponse<String> asked =
        revokeAs(RITA, "{\"kind\":\"subject\",\"value\":\"alice\",\"detail\":\"phished\"}");
    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
    assertThat(Json.field(asked.body(), "status")).isEqualTo("pending");
    String id = Json.field(asked.body(), "pending_id");
    assertThat(issuer.recorded().requests).isEmpty();

    HttpResponse<String> listed =
        get("/admin/revocations/pending", Map.of("Tokenwatch-Person", assertion(ROB)));
    assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
    assertThat(Json.tree(listed.body()).at("/pending/0/id").asText()).isEqualTo(id);
    assertThat(Json.tree(listed.body()).at("/pending/0/own").asBoolean()).isFalse();

    HttpResponse<String> own = decideAs(RITA, id, "approve");
    assertProblem(own, 403, "a second person must approve");
    assertThat(issuer.recorded().requests).isEmpty();

    HttpResponse<String> analyst = decideAs(ANNA, id, "approve");
    assertProblem(analyst, 403, "needs the role");
    assertThat(issuer.recorded().requests).isEmpty();

    HttpResponse<String> approved = decideAs(ROB, id, "approve");
    assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
    assertThat(Json.field(approved.body(), "status")).isEqualTo("approved");
    assertThat(issuer.recorded().requests).hasSize(1);
    assertThat(issuer.recorded().requests.get(0).getRequestedBy())
        .isEqualTo("person:rita;via:" + CONSOLE_URL + ";approved-by:person:rob;via:" + CONSOLE_URL);
    assertThat(issuer.recorded().requests.get(0).getDetail()).isEqualTo("phished");
    assertThat(Json.field(approved.body(), "event_id"))
        .isEqualTo(issuer.recorded().requests.get(0).getEventId());

    HttpResponse<String> twice = decideAs(ROB, id, "approve");
    assertProblem(twice, 409, "approved");
    assertThat(issuer.recorded().requests).hasSize(1);
  }

  @Test
  void shouldRevokeNothingWhenTheSecondPersonRefuses() throws Exception {
    String id =
        Json.field(
            revokeAs(RITA, "{\"kind\":\"client\",\"value\":\"orders-service\"}").body(),
            "pending_id");

    HttpResponse<String> refused = decideAs(ROB, id, "refuse");

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(200);
    assertThat(Json.field(refused.body(), "status")).isEqualTo("refused");
    assertProblem(decideAs(ROB, id, "approve"), 409, "refused");
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldRefuseToApproveALapsedRevocation() throws Exception {
    String id =
        Json.field(
            revokeAs(RITA, "{\"kind\":\"audience\",\"value\":\"https://orders.example.com\"}")
                .body(),
            "pending_id");
    issuer.clock.advance(Duration.ofHours(25));

    assertProblem(decideAs(ROB, id, "approve"), 409, "past its end");
    assertThat(issuer.personRevocations.expireDue()).hasSize(1);
    assertThat(issuer.recorded().requests).isEmpty();
  }

  @Test
  void shouldAnswerUnknownPendingIds404() throws Exception {
    assertProblem(
        decideAs(ROB, "rev-00000000-0000-0000-0000-000000000000", "approve"), 404, "no pending");
    assertProblem(decideAs(ROB, "rev-not-an-id", "approve"), 404, "no pending");
  }

  @Test
  void shouldRefuseThePendingListToPeopleWithoutRevokeRights() throws Exception {
    assertProblem(
        get("/admin/revocations/pending", Map.of("Tokenwatch-Person", assertion(ANNA))),
        403,
        "none of your roles");
    HttpResponse<String> nobody = get("/admin/revocations/pending", Map.of());
    assertThat(nobody.statusCode()).isEqualTo(401);
    assertThat(nobody.headers().firstValue("Content-Type")).hasValue("application/problem+json");
  }
}
