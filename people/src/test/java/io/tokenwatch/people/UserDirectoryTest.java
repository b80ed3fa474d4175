package io.tokenwatch.people;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserDirectoryTest {

  static final String HASH = PasswordHashes.hash("pw");

  @TempDir Path directory;

  @Test
  void shouldSeeUsersAddedToTheFileOnReload() throws Exception {
    Path file = directory.resolve("users.yaml");
    UsersFile.write(
        file, List.of(new UsersFile.User("alice", "Alice", EnumSet.of(Role.USER), HASH)));
    try (UserDirectory users = UserDirectory.open(file)) {
      assertThat(users.user("bob")).isEmpty();

      UsersFile.put(file, new UsersFile.User("bob", "Bob", EnumSet.of(Role.APPROVER), HASH));
      users.reload();

      assertThat(users.user("bob"))
          .hasValueSatisfying(bob -> assertThat(bob.roles()).containsExactly(Role.APPROVER));
      assertThat(users.user("alice")).isPresent();
    }
  }

  @Test
  void shouldKeepTheLastGoodUsersWhenTheFileBecomesInvalidOrDisappears() throws Exception {
    Path file = directory.resolve("users.yaml");
    UsersFile.write(
        file, List.of(new UsersFile.User("alice", "Alice", EnumSet.of(Role.USER), HASH)));
    try (UserDirectory users = UserDirectory.open(file)) {
      Files.writeString(file, "users:\n  alice:\n    password_hash: plain\n");
      users.reload();
      assertThat(users.user("alice"))
          .hasValueSatisfying(a -> assertThat(a.passwordHash()).isEqualTo(HASH));

      Files.delete(file);
      users.reload();
      assertThat(users.user("alice")).isPresent();
    }
  }

  @Test
  void shouldKnowNobodyWithoutAUsersFile() {
    try (UserDirectory users = UserDirectory.empty()) {
      assertThat(users.user("alice")).isEmpty();
      assertThat(users.size()).isZero();
    }
  }
}
