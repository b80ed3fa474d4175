package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersFileTest {

  static final String HASH = PasswordHashes.hash("pw");

  @TempDir Path directory;

  @Test
  void shouldReadUsersWithNamesRolesAndHashes() throws Exception {
    Path file = directory.resolve("users.yaml");
    Files.writeString(
        file,
        "users:\n"
            + "  alice:\n"
            + "    name: Alice Example\n"
            + "    roles: [user, approver]\n"
            + "    password_hash: \""
            + HASH
            + "\"\n"
            + "  bob:\n"
            + "    roles: []\n"
            + "    password_hash: \""
            + HASH
            + "\"\n");

    Map<String, UsersFile.User> users = UsersFile.read(file);

    assertThat(users.keySet()).containsExactly("alice", "bob");
    assertThat(users.get("alice").person())
        .isEqualTo(
            new Person("alice", "Alice Example", EnumSet.of(Role.USER, Role.APPROVER), "local"));
    assertThat(users.get("bob").name()).isEqualTo("bob");
    assertThat(users.get("bob").roles()).isEmpty();
  }

  @Test
  void shouldReportEveryProblemAtOnceWithoutQuotingHashes() throws Exception {
    Path file = directory.resolve("users.yaml");
    Files.writeString(
        file,
        "users:\n"
            + "  alice:\n"
            + "    roles: [user, wizard]\n"
            + "    password_hash: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8\n"
            + "  Bad Name:\n"
            + "    password_hash: \""
            + HASH
            + "\"\n"
            + "  carol:\n"
            + "    pasword_hash: x\n");

    assertThatThrownBy(() -> UsersFile.read(file))
        .isInstanceOfSatisfying(
            UsersFile.InvalidUsersFileException.class,
            e -> {
              assertThat(e.problems())
                  .anySatisfy(
                      p -> assertThat(p).contains("alice").contains("unknown role 'wizard'"))
                  .anySatisfy(p -> assertThat(p).contains("alice").contains("neither an Argon2id"))
                  .anySatisfy(p -> assertThat(p).contains("Bad Name").contains("must match"))
                  .anySatisfy(
                      p -> assertThat(p).contains("carol").contains("unknown key 'pasword_hash'"))
                  .anySatisfy(
                      p -> assertThat(p).contains("carol").contains("password_hash is missing"));
              assertThat(e.getMessage()).doesNotContain("5e884898da28");
            });
  }

  @Test
  void shouldRefuseMalformedYamlNamingOnlyTheLine() throws Exception {
    Path file = directory.resolve("users.yaml");
    Files.writeString(file, "users:\n  alice: [\n    password_hash: \"$argon2id$secret\n");

    assertThatThrownBy(() -> UsersFile.read(file))
        .isInstanceOf(UsersFile.InvalidUsersFileException.class)
        .hasMessageContaining("not valid YAML")
        .hasMessageNotContaining("secret");
  }

  @Test
  void shouldWriteAnOwnerOnlyFileThatReadsBack() throws Exception {
    Path file = directory.resolve("sub").resolve("users.yaml");
    UsersFile.User alice = new UsersFile.User("alice", "Alice", EnumSet.of(Role.USER), HASH);
    UsersFile.User admin =
        new UsersFile.User("admin", "Admin", EnumSet.of(Role.ADMIN, Role.APPROVER), HASH);

    UsersFile.write(file, List.of(alice, admin));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(UsersFile.read(file))
        .containsExactly(Map.entry("alice", alice), Map.entry("admin", admin));
    assertThat(Files.readString(file, StandardCharsets.UTF_8))
        .contains("roles:")
        .contains("- approver");
  }

  @Test
  void shouldAddOrReplaceOneUserAndKeepTheOthers() throws Exception {
    Path file = directory.resolve("users.yaml");
    UsersFile.put(file, new UsersFile.User("alice", "Alice", EnumSet.of(Role.USER), HASH));
    UsersFile.put(file, new UsersFile.User("bob", "Bob", EnumSet.of(Role.USER), HASH));
    UsersFile.put(file, new UsersFile.User("alice", "Alice", EnumSet.of(Role.AUDITOR), HASH));

    Map<String, UsersFile.User> users = UsersFile.read(file);

    assertThat(users.keySet()).containsExactly("alice", "bob");
    assertThat(users.get("alice").roles()).containsExactly(Role.AUDITOR);
  }

  @Test
  void shouldKeepHashesOutOfToString() {
    assertThat(new UsersFile.User("alice", "Alice", EnumSet.of(Role.USER), HASH).toString())
        .doesNotContain("argon2");
  }
}
