package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.issuer.server.IssuerConfig;
import io.tokenwatch.issuer.server.IssuerServer;
import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.PeopleConfig;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import io.tokenwatch.testing.KafkaIntegrationTest;
import io.tokenwatch.testing.TestCluster;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tokenwatch access} against a running issuer: the commands the README shows, as written,
 * from a request to its two approvals, with the requester's own approval refused.
 */
@KafkaIntegrationTest
class AccessCommandIntegrationTest {

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return new Run(cli.execute(args), out.toString(), err.toString());
  }

  @Test
  void shouldRequestApproveTwiceAndListWhileRefusingASelfApproval(TestCluster cluster)
      throws Exception {
    Path policy = dir.resolve("policy.yaml");
    try (InputStream in = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      Files.write(policy, in.readAllBytes());
    }
    String hash = PasswordHashes.hash("demo-password");
    Path users = dir.resolve("users.yaml");
    UsersFile.write(
        users,
        List.of(
            new UsersFile.User("alice", "Alice", EnumSet.of(Role.USER, Role.APPROVER), hash),
            new UsersFile.User("bob", "Bob", EnumSet.of(Role.APPROVER), hash),
            new UsersFile.User("carol", "Carol", EnumSet.of(Role.APPROVER), hash)));
    Path password = Files.writeString(dir.resolve("password"), "demo-password\n");
    IssuerConfig config =
        IssuerConfig.of(
            Map.of(
                IssuerConfig.ISSUER_URL, "http://issuer.internal.example:9557",
                IssuerConfig.PORT, "0",
                IssuerConfig.POLICY_FILE, policy.toString(),
                IssuerConfig.DATA_DIR, dir.resolve("data").toString(),
                IssuerConfig.PRODUCE_TIMEOUT_MS, "30000",
                IssuerConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers(),
                IssuerConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl(),
                PeopleConfig.USERS_FILE, users.toString()));
    try (IssuerServer server = IssuerServer.start(config)) {
      String issuer = "http://localhost:" + server.port();
      HttpClient http = HttpClient.newHttpClient();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  http.send(
                              HttpRequest.newBuilder(URI.create(issuer + "/ready")).build(),
                              HttpResponse.BodyHandlers.ofString())
                          .statusCode()
                      == 200);
      List<String> as = List.of("--issuer", issuer, "--password-file", password.toString());

      Run requested =
          run(
              with(
                  as,
                  "access",
                  "request",
                  "--client",
                  "orders-service",
                  "--audience",
                  "https://orders.example.com",
                  "--scope",
                  "orders:export",
                  "--purpose",
                  "quarterly export for finance",
                  "--duration",
                  "PT8H",
                  "--user",
                  "alice",
                  "--json"));
      assertThat(requested.code()).as(requested.err()).isZero();
      JsonNode request = new ObjectMapper().readTree(requested.out());
      String id = request.get("id").asText();
      assertThat(request.get("approvals_required").asInt()).isEqualTo(2);

      Run self = run(with(as, "access", "approve", id, "--user", "alice"));
      assertThat(self.code()).isEqualTo(1);
      assertThat(self.err())
          .contains("403")
          .contains("you asked for " + id + "; someone else must approve it");

      Run first = run(with(as, "access", "approve", id, "--user", "bob", "--comment", "ok"));
      assertThat(first.code()).as(first.err()).isZero();
      assertThat(first.out()).contains(id + "  PENDING").contains("approvals 1 (bob) of 2 needed");
      Run second = run(with(as, "access", "approve", id, "--user", "carol"));
      assertThat(second.out()).contains(id + "  APPROVED").contains("exception exc-");

      Run listed = run(with(as, "access", "list", "--status", "approved", "--user", "bob"));
      assertThat(listed.code()).isZero();
      assertThat(listed.out().lines().findFirst())
          .hasValueSatisfying(h -> assertThat(h).startsWith("ID"));
      assertThat(listed.out()).contains(id).contains("orders:export").contains("2/2");

      Run denied = run(with(as, "access", "deny", id, "--user", "bob"));
      assertThat(denied.code()).isEqualTo(1);
      assertThat(denied.err()).contains("409").contains("only pending requests");
    }
  }

  private static String[] with(List<String> common, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    // Options after the subcommand name: picocli reads them there.
    all.addAll(common);
    return all.toArray(String[]::new);
  }
}
