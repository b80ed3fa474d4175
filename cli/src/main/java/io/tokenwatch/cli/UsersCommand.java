package io.tokenwatch.cli;

import io.tokenwatch.people.PasswordHashes;
import io.tokenwatch.people.Role;
import io.tokenwatch.people.UsersFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch users}: makes the users file people log in with ({@code people.users-file}).
 * Passwords come from standard input (without echo on a terminal) or a file, never from the command
 * line, where other users of the machine could read them.
 */
@Command(
    name = "users",
    mixinStandardHelpOptions = true,
    description =
        "Manages the users file (people.users-file) that local logins are checked against.",
    subcommands = {UsersCommand.Hash.class, UsersCommand.Add.class})
final class UsersCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** The longest password read: a bound on what one line of input can make the hash cost. */
  static final int MAX_PASSWORD = 1024;

  /** The password: the first line of {@code file}, or of standard input. */
  static String readPassword(CommandSpec spec, @Nullable Path file) throws IOException {
    String password;
    if (file != null) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      password = lines.isEmpty() ? "" : lines.get(0);
    } else {
      // Standard input, not System.console(): the console is not there when input is piped, and
      // telling a terminal from a pipe portably needs Java 22. On a terminal, `read -rs` in the
      // shell keeps the password off the screen (see the README).
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line = in.readLine();
      password = line == null ? "" : line;
    }
    if (password.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "no password: give it on standard input (one line) or in --password-file");
    }
    if (password.length() > MAX_PASSWORD) {
      throw new ParameterException(
          spec.commandLine(), "the password is longer than " + MAX_PASSWORD + " characters");
    }
    return password;
  }

  /** {@code tokenwatch users hash}. */
  @Command(
      name = "hash",
      mixinStandardHelpOptions = true,
      description = {
        "Reads a password (one line) from standard input and prints its Argon2id hash (PHC"
            + " format, OWASP parameters) for the password_hash of a users file."
      })
  static final class Hash implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--password-file", description = "Read the password from this file instead.")
    @Nullable Path passwordFile;

    @Override
    public Integer call() throws IOException {
      spec.commandLine().getOut().println(PasswordHashes.hash(readPassword(spec, passwordFile)));
      return 0;
    }
  }

  /** {@code tokenwatch users add}. */
  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Adds a person to a users file (or replaces the one of the same name), creating the file"
            + " owner-only (mode 0600) if missing. The password is read from standard input (one"
            + " line) or --password-file and stored as an Argon2id hash."
      })
  static final class Add implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The user name to log in with.")
    String userName = "";

    @Option(
        names = "--role",
        required = true,
        paramLabel = "ROLE",
        description =
            "A role: user, approver, auditor, analyst, responder or admin (repeat for several).")
    List<String> roles = new ArrayList<>();

    @Option(names = "--file", required = true, description = "The users file.")
    Path file = Path.of("users.yaml");

    @Option(names = "--name", description = "Display name. Default: the user name.")
    @Nullable String displayName;

    @Option(names = "--password-file", description = "Read the password from this file.")
    @Nullable Path passwordFile;

    @Override
    public Integer call() throws IOException {
      if (!UsersFile.USER_NAME.matcher(userName).matches()) {
        throw new ParameterException(
            spec.commandLine(),
            "the user name must be lower case letters, digits, '.', '-' or '_' (at most 64)");
      }
      Set<Role> parsed = EnumSet.noneOf(Role.class);
      for (String role : roles) {
        try {
          parsed.add(Role.parse(role));
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), String.valueOf(e.getMessage()), e);
        }
      }
      String hash = PasswordHashes.hash(readPassword(spec, passwordFile));
      String name = displayName == null || displayName.isBlank() ? userName : displayName;
      try {
        UsersFile.put(file, new UsersFile.User(userName, name, parsed, hash));
      } catch (UsersFile.InvalidUsersFileException e) {
        spec.commandLine()
            .getErr()
            .println("tokenwatch users add: " + file + " is invalid, left unchanged:");
        e.problems().forEach(p -> spec.commandLine().getErr().println("  - " + p));
        return 1;
      }
      spec.commandLine()
          .getOut()
          .println(
              "Added "
                  + userName
                  + " ("
                  + String.join(", ", parsed.stream().map(Role::externalName).toList())
                  + ") to "
                  + file);
      return 0;
    }
  }
}
