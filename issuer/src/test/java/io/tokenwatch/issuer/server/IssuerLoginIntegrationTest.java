package io.tokenwatch.issuer.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The issuer serves the login of the people module, from its own configuration's people.* keys. */
@KafkaIntegrationTest
class IssuerLoginIntegrationTest {

  @TempDir Path dir;
  final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private IssuerConfig config(TestCluster cluster, Path users) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    try (InputStream in = getClass().getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, in.readAllBytes());
    }
    return IssuerConfig.of(
        Map.of(
            IssuerConfig.ISSUER_URL, "http://localhost",
            IssuerConfig.PORT, "0",
            IssuerConfig.POLICY_FILE, policy.toString(),
            IssuerConfig.DATA_DIR, dir.resolve("data").toString(),
            IssuerConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers(),
            IssuerConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl(),
            PeopleConfig.USERS_FILE, users.toString()));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String cookie(HttpResponse<String> response, String name) {
    return response.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith(name + "="))
        .map(c -> c.substring(name.length() + 1, c.indexOf(';')))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no cookie " + name + " in " + response.headers()));
  }

  @Test
  void shouldLogADirectoryUserInThroughTheIssuersLoginPage(TestCluster cluster) throws Exception {
    Path users = dir.resolve("users.yaml");
    UsersFile.write(
        users,
        List.of(
            new UsersFile.User(
                "carol", "Carol", EnumSet.of(Role.APPROVER), PasswordHashes.hash("carols pw"))));
    try (IssuerServer server = IssuerServer.start(config(cluster, users))) {
      String base = "http://localhost:" + server.port();

      HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(base + "/login")));
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
      Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page.body());
      assertThat(csrf.find()).isTrue();
      String preSession = cookie(page, "__Host-tw_login");

      HttpResponse<String> login =
          send(
              HttpRequest.newBuilder(URI.create(base + "/login"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Cookie", "__Host-tw_login=" + preSession)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "csrf="
                              + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8)
                              + "&username=carol&password=carols+pw")));
      assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
      String session = cookie(login, "__Host-tw_session");

      HttpResponse<String> loggedIn =
          send(
              HttpRequest.newBuilder(URI.create(base + "/login"))
                  .header("Cookie", "__Host-tw_session=" + session));
      assertThat(loggedIn.body()).contains("You are logged in as <strong>Carol</strong>");
    }
  }
}
