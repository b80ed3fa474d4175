package io.tokenwatch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * What the docs test checks of a block it does not run: each {@code tokenwatch} command parses with
 * the real command line (subcommands, options and their values), each module a {@code mvn -pl}
 * names exists, each file a {@code docker}, {@code cp} or {@code node} command names exists in the
 * repository.
 */
final class StructuralCheck {

  private static final Pattern ASSIGNMENT = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*=.*");

  private StructuralCheck() {}

  /** The problems found in {@code commands} (a shell block's text), empty when none. */
  static List<String> check(Path root, String commands) {
    List<String> problems = new ArrayList<>();
    for (String command : logicalLines(commands)) {
      List<String> words = words(command);
      while (!words.isEmpty() && ASSIGNMENT.matcher(words.get(0)).matches()) {
        words.remove(0);
      }
      if (words.isEmpty()) {
        continue;
      }
      String program = words.get(0);
      List<String> args = words.subList(1, words.size());
      switch (program) {
        case "./tokenwatch", "tokenwatch" -> {
          try {
            Tokenwatch.commandLine().parseArgs(args.toArray(String[]::new));
          } catch (CommandLine.ParameterException e) {
            problems.add("`" + command + "` does not parse: " + e.getMessage());
          }
        }
        case "mvn" -> {
          for (int i = 0; i < args.size() - 1; i++) {
            if (args.get(i).equals("-pl")) {
              for (String module : args.get(i + 1).split(",", -1)) {
                String name = module.replaceFirst("^[!:]", "");
                if (!Files.isRegularFile(root.resolve(name).resolve("pom.xml"))) {
                  problems.add("`" + command + "` names module " + name + ", which does not exist");
                }
              }
            }
          }
        }
        case "docker", "cp", "node" -> {
          if (program.equals("docker") && !args.isEmpty() && args.get(0).equals("compose")) {
            problems.addAll(composeServices(root, command, args));
          }
          for (String arg : args) {
            if (arg.matches("(docker|conformance|bench)/[\\w./-]+")
                && !arg.endsWith("/.env")
                && !Files.exists(root.resolve(arg))) {
              problems.add("`" + command + "` names " + arg + ", which does not exist");
            }
          }
        }
        default -> {}
      }
    }
    return problems;
  }

  /** The services a {@code docker compose -f FILE <command> [service...]} names that FILE lacks. */
  private static List<String> composeServices(Path root, String command, List<String> args) {
    Path file = root.resolve("docker/compose.yaml");
    List<String> services = new ArrayList<>();
    boolean commandSeen = false;
    for (int i = 1; i < args.size(); i++) {
      String arg = args.get(i);
      if (!commandSeen && arg.equals("-f") && i + 1 < args.size()) {
        file = root.resolve(args.get(++i));
      } else if (!arg.startsWith("-")) {
        if (commandSeen) {
          services.add(arg);
        }
        commandSeen = true;
      }
    }
    List<String> problems = new ArrayList<>();
    if (!Files.isRegularFile(file)) {
      return problems;
    }
    Map<String, Object> compose;
    try {
      compose = new Yaml().load(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Object defined = compose == null ? null : compose.get("services");
    for (String service : services) {
      if (!(defined instanceof Map<?, ?> map) || !map.containsKey(service)) {
        problems.add(
            "`"
                + command
                + "` names service "
                + service
                + ", which "
                + file.getFileName()
                + " does not define");
      }
    }
    return problems;
  }

  /** Commands, continuation lines joined, comments and blank lines dropped. */
  static List<String> logicalLines(String text) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.lines().toList()) {
      if (current.length() == 0 && (line.isBlank() || line.strip().startsWith("#"))) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
      } else {
        current.append(line);
        lines.add(current.toString().strip());
        current.setLength(0);
      }
    }
    if (current.length() > 0) {
      lines.add(current.toString().strip());
    }
    return lines;
  }

  /**
   * The words of a simple command as a shell splits them (quotes and backslashes), up to the first
   * unquoted operator or comment; words holding a substitution are kept as written.
   */
  static List<String> words(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    int parens = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < command.length()) {
          word.append(command.charAt(++i));
        } else {
          word.append(c);
        }
        continue;
      }
      if (parens > 0) {
        word.append(c);
        parens += c == '(' ? 1 : c == ')' ? -1 : 0;
        continue;
      }
      if (c == '$' && i + 1 < command.length() && command.charAt(i + 1) == '(') {
        word.append("$(");
        parens = 1;
        inWord = true;
        i++;
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\' && i + 1 < command.length()) {
        word.append(command.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else if ("|&;<>".indexOf(c) >= 0 || (c == '#' && !inWord)) {
        break;
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
