package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tokenwatch policy ...} against a real issuer on the in-process broker. */
@KafkaIntegrationTest
class PolicyCommandIntegrationTest {

  static final String PASSWORD = "policy command password";

  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @AfterEach
  void restoreEnvironment() {
    PolicyCommand.environment = System.getenv();
  }

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine commandLine = Tokenwatch.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  @Test
  void shouldListDiffAndRollBackThePolicyAsAPersonAndSayWhyWhenRefused(TestCluster cluster)
      throws Exception {
    String original;
    try (InputStream in = IssuerServer.class.getResourceAsStream("/sample-policy.yaml")) {
      original =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace(
                  "policy_id: tokenwatch-sample",
                  "policy_id: cli-history-" + UUID.randomUUID().toString().substring(0, 8));
    }
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, original);
    Path users = dir.resolve("users.yaml");
    String hash = PasswordHashes.hash(PASSWORD);
    UsersFile.write(
        users,
        List.of(
            new UsersFile.User("root", "Root Admin", EnumSet.of(Role.ADMIN), hash),
            new UsersFile.User("ann", "Ann Auditor", EnumSet.of(Role.AUDITOR), hash)));
    Map<String, Object> settings = new HashMap<>();
    settings.put(IssuerConfig.ISSUER_URL, "http://localhost");
    settings.put(IssuerConfig.PORT, "0");
    settings.put(IssuerConfig.POLICY_FILE, policy.toString());
    settings.put(IssuerConfig.POLICY_RELOAD_MS, "3600000");
    settings.put(IssuerConfig.DATA_DIR, dir.resolve("data").toString());
    settings.put(IssuerConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
    settings.put(IssuerConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl());
    settings.put(PeopleConfig.USERS_FILE, users.toString());
    PolicyCommand.environment = Map.of("TOKENWATCH_PASSWORD", PASSWORD);

    try (IssuerServer issuer = IssuerServer.start(IssuerConfig.of(settings))) {
      String url = "http://localhost:" + issuer.port();
      Files.writeString(
          policy, original.replace("scopes: [orders:read, orders:write]", "scopes: [orders:read]"));
      issuer.policy().reload();

      assertThat(run("policy", "history", "--issuer", url, "--user", "ann"))
          .as(err::toString)
          .isZero();
      assertThat(out.toString())
          .contains("startup by policy-file")
          .contains("file reload by policy-file")
          .contains("- client orders-service: scope orders:write for https://orders.example.com");

      assertThat(run("policy", "diff", "1", "2", "--issuer", url, "--user", "ann")).isZero();
      assertThat(out.toString().strip())
          .isEqualTo(
              "- client orders-service: scope orders:write for https://orders.example.com"
                  + " (medium)");

      assertThat(run("policy", "rollback", "1", "--issuer", url, "--user", "ann")).isEqualTo(1);
      assertThat(err.toString()).contains("the issuer answered 403").contains("admin");

      assertThat(run("policy", "rollback", "9", "--issuer", url, "--user", "root")).isEqualTo(1);
      assertThat(err.toString()).contains("404").contains("no policy version 9");

      PolicyCommand.environment = Map.of();
      assertThat(run("policy", "rollback", "1", "--issuer", url, "--user", "root")).isEqualTo(2);
      assertThat(err.toString()).contains("set TOKENWATCH_PASSWORD or pass --password-file");

      Path passwordFile = dir.resolve("password");
      Files.writeString(passwordFile, PASSWORD + "\n");
      assertThat(
              run(
                  "policy",
                  "rollback",
                  "1",
                  "--issuer",
                  url,
                  "--user",
                  "root",
                  "--password-file",
                  passwordFile.toString()))
          .as(err::toString)
          .isZero();
      assertThat(out.toString()).contains("rolled back to version 1").contains("rollback by root");
      assertThat(Files.readString(policy)).isEqualTo(original);
    }

    PolicyCommand.environment = Map.of("TOKENWATCH_PASSWORD", PASSWORD);
    assertThat(run("policy", "history", "--issuer", "http://127.0.0.1:9", "--user", "ann"))
        .isEqualTo(1);
    assertThat(err.toString()).contains("cannot reach the issuer at http://127.0.0.1:9");
  }
}
