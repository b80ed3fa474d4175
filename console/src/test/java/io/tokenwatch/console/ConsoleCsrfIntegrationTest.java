package io.tokenwatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cross-site request forgery against every state-changing route of the console: a logged-in admin
 * (every role, so no route refuses for want of one) whose browser is made to post without the
 * session's token, or from another site, changes nothing (403), whatever the route.
 */
@KafkaIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleCsrfIntegrationTest {

  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  @TempDir static Path dir;
  ConsoleHarness console;
  HttpClient admin;

  @BeforeAll
  void start(TestCluster cluster) throws Exception {
    // Plain-HTTP cookies: Java's cookie store does not send Secure cookies over http.
    console = ConsoleHarness.start(cluster, dir, Map.of(PeopleConfig.COOKIE_SECURE, false));
    admin = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    String form = get("/login").body();
    Matcher token = CSRF.matcher(form);
    assertThat(token.find()).as(form).isTrue();
    HttpResponse<String> login =
        post(
            "/login",
            "username=adam&password="
                + URLEncoder.encode(ConsoleHarness.PASSWORD, StandardCharsets.UTF_8)
                + "&csrf="
                + token.group(1),
            Map.of());
    assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
    assertThat(get("/").statusCode()).isEqualTo(200);
  }

  @AfterAll
  void stop() {
    console.close();
  }

  /** Every route that changes something, with a body that would otherwise be accepted. */
  static Stream<String> stateChangingRoutes() {
    return List.of(
        "/overview/acknowledge",
        "/overview/assign",
        "/overview/suppress",
        "/revoke",
        "/revoke/pending/pending-1/approve",
        "/revoke/pending/pending-1/refuse",
        "/access/req-00000000-0000-0000-0000-000000000000/approve",
        "/access/req-00000000-0000-0000-0000-000000000000/refuse",
        "/access/req-00000000-0000-0000-0000-000000000000/review",
        "/access/req-00000000-0000-0000-0000-000000000000/cancel",
        "/policy/rollback",
        "/audit/verify",
        "/grants/narrow",
        "/logout",
        "/a-route-nobody-added-yet")
        .stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stateChangingRoutes")
  void shouldRefuseAPostWithoutTheSessionsToken(String route) throws Exception {
    HttpResponse<String> answer =
        post(route, "alert=a1&hours=1&kind=token&value=t1&reason=x&version=1", Map.of());

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
    assertThat(get("/").statusCode()).as("still logged in").isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stateChangingRoutes")
  void shouldRefuseAPostFromAnotherSiteEvenWithTheToken(String route) throws Exception {
    Matcher token = CSRF.matcher(get("/").body());
    assertThat(token.find()).isTrue();

    HttpResponse<String> answer =
        post(
            route,
            "alert=a1&csrf=" + token.group(1),
            Map.of("Origin", "https://attacker.example", "Sec-Fetch-Site", "cross-site"));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return admin.send(
        HttpRequest.newBuilder(URI.create(console.url() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String form, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(console.url() + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form));
    headers.forEach(request::header);
    return admin.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
