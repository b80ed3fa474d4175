package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeopleGateTest {

  @TempDir Path directory;
  GateServer server;
  final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  @BeforeEach
  void start() throws Exception {
    server = GateServer.start(directory, Map.of());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server.url() + path));
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldKnowADirectoryUserByHttpBasic() throws Exception {
    HttpResponse<String> response =
        send(request("/whoami").header("Authorization", basic("alice", GateServer.PASSWORD)));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("alice");
  }

  @Test
  void shouldAnswerApiCallersWithoutCredentials401ProblemWithBasicChallenge() throws Exception {
    HttpResponse<String> response = send(request("/whoami"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
  }

  @Test
  void shouldRedirectBrowsersWithoutSessionToLoginWithNext() throws Exception {
    HttpResponse<String> response = send(request("/whoami?x=1").header("Accept", "text/html"));

    assertThat(response.statusCode()).isEqualTo(303);
    assertThat(response.headers().firstValue("Location")).hasValue("/login?next=%2Fwhoami%3Fx%3D1");
  }

  @Test
  void shouldRefuseAPersonWithoutTheRole403() throws Exception {
    HttpResponse<String> response =
        send(
            request("/approve")
                .header("Authorization", basic("alice", GateServer.PASSWORD))
                .POST(HttpRequest.BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("approver");
  }

  @Test
  void shouldLetBasicCallersPostWithoutCsrfToken() throws Exception {
    HttpResponse<String> response =
        send(
            request("/approve")
                .header("Authorization", basic("carol", GateServer.PASSWORD))
                .POST(HttpRequest.BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("approved by carol");
  }

  @Test
  void shouldThrottleHttpBasicGuessingWith429AndRetryAfter() throws Exception {
    for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
      assertThat(
              send(request("/whoami").header("Authorization", basic("carol", "guess" + i)))
                  .statusCode())
          .isEqualTo(401);
    }

    HttpResponse<String> response =
        send(request("/whoami").header("Authorization", basic("carol", GateServer.PASSWORD)));

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
  }

  @Test
  void shouldRefuseMalformedBasicCredentialsAsNotLoggedIn() throws Exception {
    for (String header :
        List.of(
            "Basic !!!", "Basic " + "QQ==", "Bearer abc", "Basic", "basic " + "x".repeat(5000))) {
      HttpResponse<String> response = send(request("/whoami").header("Authorization", header));

      assertThat(response.statusCode()).as(header).isEqualTo(401);
    }
  }

  @Test
  void shouldLetInAUserAddedToTheUsersFileWhileRunning() throws Exception {
    server.close();
    server = GateServer.start(directory, Map.of(PeopleConfig.USERS_RELOAD_MS, "100"));
    UsersFile.put(
        server.usersFile,
        new UsersFile.User("erin", "Erin", EnumSet.of(Role.AUDITOR), PasswordHashes.hash("erins")));

    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        send(request("/whoami").header("Authorization", basic("erin", "erins")))
                            .body())
                    .isEqualTo("erin"));
  }
}
