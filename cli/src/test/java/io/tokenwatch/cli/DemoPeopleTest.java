package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoPeopleTest {

  @TempDir Path dir;

  @Test
  void shouldCreateTheDemoPeopleWithRandomPasswordsKeptOwnerOnlyBesideThem() throws Exception {
    Path users = DemoPeople.ensure(dir);

    assertThat(users).isEqualTo(dir.resolve("users.yaml"));
    Path passwords = dir.resolve("people.txt");
    for (Path file : List.of(users, passwords)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .as(file.toString())
          .isEqualTo("rw-------");
    }
    Map<String, String> written = new LinkedHashMap<>();
    for (String line : Files.readAllLines(passwords)) {
      if (!line.startsWith("#")) {
        String[] fields = line.split(" ");
        written.put(fields[0], fields[1]);
      }
    }
    Map<String, UsersFile.User> people = UsersFile.read(users);
    assertThat(people.keySet())
        .containsExactly(
            "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "admin");
    assertThat(written.keySet()).containsExactlyElementsOf(people.keySet());
    people.forEach(
        (name, user) ->
            assertThat(PasswordHashes.matches(written.get(name), user.passwordHash()))
                .as(name)
                .isTrue());
    assertThat(written.values()).doesNotHaveDuplicates();
    assertThat(people.get("carol").roles()).containsExactly(Role.APPROVER);
    assertThat(people.get("erin").roles()).containsExactly(Role.AUDITOR);
    assertThat(people.get("frank").roles()).containsExactly(Role.ANALYST);
    assertThat(people.get("grace").roles()).containsExactlyInAnyOrder(Role.RESPONDER, Role.ANALYST);
    assertThat(people.get("admin").roles())
        .containsExactlyInAnyOrder(
            Role.ADMIN, Role.APPROVER, Role.AUDITOR, Role.ANALYST, Role.RESPONDER);
    assertThat(Files.readString(users)).doesNotContain(written.get("alice"));
  }

  @Test
  void shouldLeaveAnExistingUsersFileAlone() throws Exception {
    Path users = Files.writeString(dir.resolve("users.yaml"), "users: {}\n");

    assertThat(DemoPeople.ensure(dir)).isEqualTo(users);

    assertThat(Files.readString(users)).isEqualTo("users: {}\n");
    assertThat(Files.exists(dir.resolve("people.txt"))).isFalse();
  }
}
