package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The users file: who may log in locally, with their roles and password hashes.
 *
 * <pre>
 * users:
 *   alice:                      # the user name people log in with
 *     name: Alice Example       # display name
 *     roles: [user, approver]   # user, approver, auditor, analyst, responder, admin
 *     password_hash: "$argon2id$v=19$m=19456,t=2,p=1$..."   # from 'tokenwatch users hash'
 * </pre>
 *
 * Hashes are Argon2id (PHC string format) or bcrypt; anything else is refused when the file is
 * read, as are unknown roles and keys, with every problem reported at once.
 */
public final class UsersFile {

  /** What a user name may look like: lower case, digits, dots, dashes and underscores. */
  public static final Pattern USER_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .build());

  /** One user of the file. */
  public record User(String userName, String name, Set<Role> roles, String passwordHash) {
    public User {
      requireNonNull(userName, "userName");
      requireNonNull(name, "name");
      requireNonNull(roles, "roles");
      requireNonNull(passwordHash, "passwordHash");
      if (!USER_NAME.matcher(userName).matches()) {
        throw new IllegalArgumentException(
            "user name '" + userName + "' must match " + USER_NAME.pattern());
      }
      roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
      PasswordHashes.problem(passwordHash)
          .ifPresent(
              problem -> {
                throw new IllegalArgumentException(
                    "password_hash of '" + userName + "' " + problem);
              });
    }

    /** This user as a logged-in person. */
    public Person person() {
      return new Person(userName, name, roles, Person.LOCAL);
    }

    @Override
    public String toString() {
      // The hash stays out of logs: it is what an offline guessing attack needs.
      return "User[" + userName + ", " + name + ", " + roles + "]";
    }
  }

  /** A users file that cannot be used, with every problem found. */
  public static final class InvalidUsersFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    InvalidUsersFileException(Path file, List<String> problems) {
      super("users file " + file + " is invalid: " + String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    /** Every problem, one sentence each. */
    public List<String> problems() {
      return problems;
    }
  }

  private UsersFile() {}

  /**
   * Reads and validates the users file.
   *
   * @return the users by user name, in file order
   * @throws InvalidUsersFileException listing every problem when the file is not valid
   * @throws IOException when it cannot be read
   */
  public static Map<String, User> read(Path file) throws IOException {
    return parse(file, Files.readAllBytes(file));
  }

  static Map<String, User> parse(Path file, byte[] content) {
    List<String> problems = new ArrayList<>();
    JsonNode root;
    try {
      root = YAML.readTree(content);
    } catch (IOException e) {
      throw new InvalidUsersFileException(file, List.of("not valid YAML: " + yamlProblem(e)));
    }
    Map<String, User> users = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return users;
    }
    if (!root.isObject()) {
      throw new InvalidUsersFileException(file, List.of("the top level must be a mapping"));
    }
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!key.equals("users")) {
        problems.add("unknown top-level key '" + key + "' (only 'users')");
      }
    }
    JsonNode entries = root.path("users");
    if (!entries.isMissingNode() && !entries.isNull() && !entries.isObject()) {
      problems.add("'users' must be a mapping of user name to {name, roles, password_hash}");
    } else {
      for (Map.Entry<String, JsonNode> entry : entries.properties()) {
        user(entry.getKey(), entry.getValue(), problems).ifPresent(u -> users.put(u.userName(), u));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidUsersFileException(file, problems);
    }
    return users;
  }

  private static java.util.Optional<User> user(
      String userName, JsonNode node, List<String> problems) {
    String where = "user '" + userName + "'";
    int before = problems.size();
    if (!USER_NAME.matcher(userName).matches()) {
      problems.add(where + ": the name must match " + USER_NAME.pattern());
    }
    if (!node.isObject()) {
      problems.add(where + ": must be a mapping with name, roles and password_hash");
      return java.util.Optional.empty();
    }
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!Set.of("name", "roles", "password_hash").contains(key)) {
        problems.add(where + ": unknown key '" + key + "'");
      }
    }
    String name = node.path("name").isTextual() ? node.path("name").asText() : userName;
    if (name.isBlank()) {
      problems.add(where + ": name must not be blank");
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    JsonNode roleNodes = node.path("roles");
    if (!roleNodes.isMissingNode() && !roleNodes.isArray()) {
      problems.add(where + ": roles must be a list");
    }
    for (JsonNode role : roleNodes) {
      if (!role.isTextual()) {
        problems.add(where + ": roles must be names");
        continue;
      }
      try {
        roles.add(Role.parse(role.asText()));
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
      }
    }
    JsonNode hash = node.path("password_hash");
    if (!hash.isTextual()) {
      problems.add(where + ": password_hash is missing");
    } else {
      PasswordHashes.problem(hash.asText())
          .ifPresent(p -> problems.add(where + ": password_hash " + p));
    }
    if (problems.size() > before) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new User(userName, name, roles, hash.asText()));
  }

  private static String yamlProblem(IOException e) {
    // The parser's message quotes the offending text, which may be a password hash.
    if (e instanceof JacksonException jackson && jackson.getLocation() != null) {
      return "line " + jackson.getLocation().getLineNr();
    }
    return "unreadable";
  }

  /**
   * Adds {@code user} to the file, or replaces the user of the same name, creating the file
   * (owner-only, mode 0600, where the file system has POSIX permissions) when it does not exist.
   * The file is replaced atomically, so the directory never reads half a file.
   *
   * @throws InvalidUsersFileException when the existing file is not valid
   * @throws IOException when it cannot be read or written
   */
  public static void put(Path file, User user) throws IOException {
    requireNonNull(file, "file");
    requireNonNull(user, "user");
    Map<String, User> users = Files.exists(file) ? read(file) : new LinkedHashMap<>();
    users.put(user.userName(), user);
    write(file, users.values());
  }

  /**
   * Writes a new users file of exactly {@code users}, owner-only (mode 0600).
   *
   * @throws IOException when it cannot be written
   */
  public static void write(Path file, Iterable<User> users) throws IOException {
    ObjectNode root = YAML.createObjectNode();
    ObjectNode entries = root.putObject("users");
    for (User user : users) {
      ObjectNode entry = entries.putObject(user.userName());
      entry.put("name", user.name());
      ArrayNode roles = entry.putArray("roles");
      user.roles().stream().sorted().forEach(role -> roles.add(role.externalName()));
      entry.put("password_hash", user.passwordHash());
    }
    Path absolute = file.toAbsolutePath();
    Path directory = absolute.getParent();
    if (directory != null) {
      Files.createDirectories(directory);
    }
    Path temporary = ownerOnly(absolute.resolveSibling(absolute.getFileName() + ".tmp"));
    Files.write(temporary, YAML.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
    Files.move(
        temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static Path ownerOnly(Path file) throws IOException {
    Files.deleteIfExists(file);
    try {
      return Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      return Files.createFile(file);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot create " + file + ": it appeared meanwhile", e);
    }
  }
}
