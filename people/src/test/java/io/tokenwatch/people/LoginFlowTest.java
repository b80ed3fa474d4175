package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The login form, sessions and CSRF over real HTTP against a real server. */
class LoginFlowTest {

  static final String SESSION = "__Host-tw_session";

  @TempDir Path directory;
  GateServer server;
  Client client;

  @BeforeEach
  void start() throws Exception {
    server = GateServer.start(directory, Map.of());
    client = new Client(server.url());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void shouldLogInWithTheFormAndSetAHostOnlySecureHttpOnlyLaxSessionCookie() throws Exception {
    HttpResponse<String> login = client.login("carol", GateServer.PASSWORD, "/whoami");

    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Location")).hasValue("/whoami");
    assertThat(Client.setCookies(login))
        .anySatisfy(
            cookie ->
                assertThat(cookie)
                    .startsWith(SESSION + "=")
                    .contains("; Path=/")
                    .contains("; Secure")
                    .contains("; HttpOnly")
                    .contains("; SameSite=Lax")
                    .doesNotContain("Domain="));
    assertThat(client.get("/whoami").body()).isEqualTo("carol");
  }

  @Test
  void shouldRotateTheSessionIdOnLoginSoAPlantedIdIsWorthless() throws Exception {
    client.login("alice", GateServer.PASSWORD, "");
    String first = client.cookies.get(SESSION);

    client.login("carol", GateServer.PASSWORD, "");
    String second = client.cookies.get(SESSION);

    assertThat(second).isNotEqualTo(first);
    Client attacker = new Client(server.url());
    attacker.cookies.put(SESSION, first);
    assertThat(attacker.get("/whoami").statusCode()).isEqualTo(401);
  }

  @Test
  void shouldRefuseAWrongPasswordWithTheFormAgainAndNoSession() throws Exception {
    HttpResponse<String> login = client.login("alice", "wrong", "/whoami");

    assertThat(login.statusCode()).isEqualTo(401);
    assertThat(login.body()).contains("Wrong user name or password.").contains("<form");
    assertThat(client.cookies).doesNotContainKey(SESSION);
  }

  @Test
  void shouldThrottleAfterRepeatedFailuresEvenForTheRightPassword() throws Exception {
    for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
      assertThat(client.login("alice", "guess" + i, "").statusCode()).isEqualTo(401);
    }

    HttpResponse<String> login = client.login("alice", GateServer.PASSWORD, "");

    assertThat(login.statusCode()).isEqualTo(429);
    assertThat(login.headers().firstValue("Retry-After")).isPresent();
    assertThat(client.cookies).doesNotContainKey(SESSION);
  }

  @Test
  void shouldRefuseTheLoginFormWithoutItsCsrfToken() throws Exception {
    client.get("/login");

    HttpResponse<String> login =
        client.postForm(
            "/login",
            Map.of("username", "alice", "password", GateServer.PASSWORD),
            "Accept",
            "text/html");

    assertThat(login.statusCode()).isEqualTo(403);
    assertThat(login.body()).contains("security token");
    assertThat(client.cookies).doesNotContainKey(SESSION);
  }

  @Test
  void shouldRefuseALoginTokenWithoutTheBrowsersPreSessionCookie() throws Exception {
    String csrf = Client.csrf(client.get("/login"));
    Client other = new Client(server.url());

    HttpResponse<String> login =
        other.postForm(
            "/login", Map.of("csrf", csrf, "username", "alice", "password", GateServer.PASSWORD));

    assertThat(login.statusCode()).isEqualTo(403);
  }

  @Test
  void shouldRefuseASessionPostWithoutCsrfTokenOrFromAnotherOrigin() throws Exception {
    client.login("carol", GateServer.PASSWORD, "");

    assertThat(client.postForm("/approve", Map.of()).statusCode()).isEqualTo(403);
    assertThat(client.postForm("/approve", Map.of("csrf", "forged")).statusCode()).isEqualTo(403);
    String csrf = Client.csrf(client.get("/login"));
    assertThat(
            client
                .postForm("/approve", Map.of("csrf", csrf), "Origin", "https://evil.example")
                .statusCode())
        .isEqualTo(403);
    assertThat(
            client
                .postForm("/approve", Map.of("csrf", csrf), "Sec-Fetch-Site", "cross-site")
                .statusCode())
        .isEqualTo(403);

    HttpResponse<String> approved =
        client.postForm("/approve", Map.of("csrf", csrf), "Origin", server.url());
    assertThat(approved.statusCode()).isEqualTo(200);
    assertThat(approved.body()).isEqualTo("approved by carol");
    assertThat(client.postForm("/approve", Map.of(), "X-CSRF-Token", csrf).statusCode())
        .isEqualTo(200);
  }

  @Test
  void shouldEndTheSessionOnLogoutAndRefuseLogoutWithoutToken() throws Exception {
    client.login("alice", GateServer.PASSWORD, "");
    String session = client.cookies.get(SESSION);
    assertThat(client.postForm("/logout", Map.of()).statusCode()).isEqualTo(403);
    String csrf = Client.csrf(client.get("/login"));

    HttpResponse<String> logout = client.postForm("/logout", Map.of("csrf", csrf));

    assertThat(logout.statusCode()).isEqualTo(303);
    assertThat(client.cookies).doesNotContainKey(SESSION);
    Client replay = new Client(server.url());
    replay.cookies.put(SESSION, session);
    assertThat(replay.get("/whoami").statusCode()).isEqualTo(401);
  }

  @Test
  void shouldNeverRedirectOffTheServerAfterLogin() throws Exception {
    for (String hostile :
        List.of(
            "//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)")) {
      Client fresh = new Client(server.url());

      HttpResponse<String> login = fresh.login("alice", GateServer.PASSWORD, hostile);

      assertThat(login.statusCode()).as(hostile).isEqualTo(303);
      assertThat(login.headers().firstValue("Location")).as(hostile).hasValue("/login");
    }
  }

  @Test
  void shouldDropAnUnsafeNextFromTheLoginPage() throws Exception {
    HttpResponse<String> page = client.get("/login?next=%2F%2Fevil.example");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).doesNotContain("evil.example");
  }

  @Test
  void shouldEscapeWhatTheLoginPageEchoes() throws Exception {
    HttpResponse<String> login = client.login("<script>alert(1)</script>", "x", "");

    assertThat(login.statusCode()).isEqualTo(401);
    assertThat(login.body()).doesNotContain("<script>").contains("&lt;script");
  }

  @Test
  void shouldRefuseOversizedAndMalformedFormsWithoutA5xx() throws Exception {
    String csrf = Client.csrf(client.get("/login"));
    HttpResponse<String> huge =
        client.postRaw("/login", "csrf=" + csrf + "&username=alice&password=" + "x".repeat(40_000));
    assertThat(huge.statusCode()).isEqualTo(413);

    HttpResponse<String> longPassword =
        client.postForm(
            "/login", Map.of("csrf", csrf, "username", "alice", "password", "x".repeat(5_000)));
    assertThat(longPassword.statusCode()).isEqualTo(400);

    HttpResponse<String> malformed =
        client.postRaw("/login", "csrf=" + csrf + "&username=%zz&password=%");
    assertThat(malformed.statusCode()).isBetween(400, 499);

    HttpResponse<String> empty = client.postForm("/login", Map.of("csrf", csrf));
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(client.cookies).doesNotContainKey(SESSION);
  }

  @Test
  void shouldShowTheLoggedInPersonOnTheLoginPage() throws Exception {
    client.login("carol", GateServer.PASSWORD, "");

    HttpResponse<String> page = client.get("/login");

    assertThat(page.body()).contains("Carol Example").contains("approver").contains("Log out");
  }

  @Test
  void shouldAnswerABrowserPostWithoutSessionWithAPageAndNoBasicChallenge() throws Exception {
    HttpResponse<String> response =
        client.postForm("/approve", Map.of("csrf", "x"), "Accept", "text/html");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(response.body()).contains("Your session has ended");
  }
}
