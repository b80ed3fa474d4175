package io.tokenwatch.cli;

import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The people of {@code up} and {@code demo}: on the first start in a data directory, a users file
 * ({@value #USERS_FILE}) with six demo people and random passwords, which are written (owner-only)
 * to {@value #PASSWORDS_FILE} beside it and nowhere else: not to the log, not to the screen.
 */
final class DemoPeople {

  static final String USERS_FILE = "users.yaml";
  static final String PASSWORDS_FILE = "people.txt";

  /** Who the demo has: two users, two approvers, an auditor and an administrator. */
  record Demo(String userName, String name, Set<Role> roles) {}

  static final List<Demo> PEOPLE =
      List.of(
          new Demo("alice", "Alice", EnumSet.of(Role.USER)),
          new Demo("bob", "Bob", EnumSet.of(Role.USER)),
          new Demo("carol", "Carol", EnumSet.of(Role.APPROVER)),
          new Demo("dave", "Dave", EnumSet.of(Role.APPROVER)),
          new Demo("erin", "Erin", EnumSet.of(Role.AUDITOR)),
          new Demo("frank", "Frank", EnumSet.of(Role.ANALYST)),
          new Demo("grace", "Grace", EnumSet.of(Role.RESPONDER, Role.ANALYST)),
          new Demo("heidi", "Heidi", EnumSet.of(Role.RESPONDER, Role.ANALYST)),
          new Demo(
              "admin",
              "Administrator",
              EnumSet.of(Role.ADMIN, Role.APPROVER, Role.AUDITOR, Role.ANALYST, Role.RESPONDER)));

  private static final String HEADER =
      """
      # Demo people of this Tokenwatch data directory: user name, password, roles.
      # Log in at <issuer URL>/login. Change them with 'tokenwatch users add'.
      """;

  private static final SecureRandom RANDOM = new SecureRandom();

  private DemoPeople() {}

  /**
   * The users file of {@code dataDir}, made with the demo people on first use; an existing one
   * (perhaps edited since) is left as it is.
   */
  static Path ensure(Path dataDir) {
    Path users = dataDir.resolve(USERS_FILE);
    if (Files.exists(users)) {
      return users;
    }
    try {
      List<UsersFile.User> entries = new ArrayList<>();
      StringBuilder passwords = new StringBuilder(HEADER);
      for (Demo person : PEOPLE) {
        String password = password();
        entries.add(
            new UsersFile.User(
                person.userName(), person.name(), person.roles(), PasswordHashes.hash(password)));
        passwords
            .append(person.userName())
            .append(' ')
            .append(password)
            .append(' ')
            .append(
                String.join(",", person.roles().stream().sorted().map(Role::externalName).toList()))
            .append('\n');
      }
      Files.createDirectories(dataDir);
      writeOwnerOnly(dataDir.resolve(PASSWORDS_FILE), passwords.toString());
      UsersFile.write(users, entries);
      return users;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the demo users file " + users, e);
    }
  }

  /**
   * The demo people's passwords as {@link #ensure} wrote them to {@value #PASSWORDS_FILE} in {@code
   * dataDir}: user name to password.
   */
  static Map<String, String> passwords(Path dataDir) {
    Path file = dataDir.resolve(PASSWORDS_FILE);
    Map<String, String> passwords = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] fields = line.trim().split(" ");
        if (!line.startsWith("#") && fields.length >= 2) {
          passwords.put(fields[0], fields[1]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the demo passwords in " + file, e);
    }
    return passwords;
  }

  /** 96 random bits, readable enough to type. */
  private static String password() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static void writeOwnerOnly(Path file, String content) throws IOException {
    Files.deleteIfExists(file);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
