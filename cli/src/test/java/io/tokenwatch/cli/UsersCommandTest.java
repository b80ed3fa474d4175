package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class UsersCommandTest {

  @TempDir Path dir;
  final InputStream originalIn = System.in;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @AfterEach
  void restoreStdin() {
    System.setIn(originalIn);
  }

  private int run(String stdin, String... args) {
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void shouldPrintAnArgon2idHashOfThePasswordOnStandardInput() {
    int code = run("hunter2 and more\n", "users", "hash");

    assertThat(code).isZero();
    String hash = out.toString().strip();
    assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    assertThat(PasswordHashes.matches("hunter2 and more", hash)).isTrue();
  }

  @Test
  void shouldRefuseAnEmptyPassword() {
    int code = run("", "users", "hash");

    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("no password");
  }

  @Test
  void shouldCreateAnOwnerOnlyUsersFileAndAddToIt() throws Exception {
    Path file = dir.resolve("users.yaml");
    Path password = Files.writeString(dir.resolve("carol.pw"), "carols secret\n");

    assertThat(
            run(
                "alices secret\n",
                "users",
                "add",
                "alice",
                "--role",
                "user",
                "--file",
                file.toString()))
        .isZero();
    assertThat(
            run(
                "",
                "users",
                "add",
                "carol",
                "--role",
                "approver",
                "--role",
                "auditor",
                "--name",
                "Carol Example",
                "--password-file",
                password.toString(),
                "--file",
                file.toString()))
        .isZero();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    Map<String, UsersFile.User> users = UsersFile.read(file);
    assertThat(users.keySet()).containsExactly("alice", "carol");
    assertThat(users.get("carol").roles()).containsExactlyInAnyOrder(Role.APPROVER, Role.AUDITOR);
    assertThat(users.get("carol").name()).isEqualTo("Carol Example");
    assertThat(PasswordHashes.matches("carols secret", users.get("carol").passwordHash())).isTrue();
    assertThat(PasswordHashes.matches("alices secret", users.get("alice").passwordHash())).isTrue();
    assertThat(out.toString()).contains("Added carol").doesNotContain("secret");
  }

  @Test
  void shouldRefuseAnUnknownRoleOrNameAndLeaveNoFile() {
    Path file = dir.resolve("users.yaml");

    assertThat(run("pw\n", "users", "add", "alice", "--role", "wizard", "--file", file.toString()))
        .isNotZero();
    assertThat(err.toString()).contains("unknown role 'wizard'");
    assertThat(
            run("pw\n", "users", "add", "Alice Smith", "--role", "user", "--file", file.toString()))
        .isNotZero();
    assertThat(Files.exists(file)).isFalse();
  }

  @Test
  void shouldLeaveAnInvalidUsersFileUnchanged() throws Exception {
    Path file =
        Files.writeString(dir.resolve("users.yaml"), "users:\n  bob:\n    password_hash: plain\n");

    assertThat(run("pw\n", "users", "add", "alice", "--role", "user", "--file", file.toString()))
        .isEqualTo(1);

    assertThat(err.toString()).contains("invalid, left unchanged").contains("bob");
    assertThat(Files.readString(file)).isEqualTo("users:\n  bob:\n    password_hash: plain\n");
  }
}
