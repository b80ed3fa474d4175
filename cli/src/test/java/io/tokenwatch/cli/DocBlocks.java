package io.tokenwatch.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The fenced code blocks of the project's Markdown files, read the way the executable-docs test
 * runs them (README.md, "Documentation that runs"): shell blocks ({@code bash}, {@code sh}, {@code
 * shell}, {@code console}) with the {@code <!-- docs-test: ... -->} markers written above them and
 * the plain output block written right after them.
 */
final class DocBlocks {

  static final Set<String> SHELL_LANGUAGES = Set.of("bash", "sh", "shell", "console");

  /** Marker keys the convention knows; any other key is a mistake in the docs. */
  static final Set<String> MARKER_KEYS =
      Set.of("skip", "reason", "expect", "setup", "stdin", "platform");

  /**
   * Words that open a command: a plain block starting with one should be a shell block. A word
   * after it that ends in a colon makes it output ({@code tokenwatch up: bootstrap.servers=...}).
   */
  private static final Pattern COMMAND_START =
      Pattern.compile(
          "^(\\./tokenwatch|tokenwatch|mvn|curl|docker|java|node|npm|read|cp|jq|export)"
              + "(\\s+(?!\\S*:(\\s|$))|$)");

  private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*([\\w+-]*)\\s*$");
  private static final Pattern MARKER = Pattern.compile("^\\s*<!--\\s*docs-test:(.*?)-->\\s*$");
  private static final Pattern MARKER_PAIR =
      Pattern.compile("([a-z-]+)(?:=(?:\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S+)))?");

  private DocBlocks() {}

  /** One marker, {@code key} or {@code key=value}; a key may occur more than once. */
  record Marker(String key, String value) {
    Marker {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
    }
  }

  /**
   * A fenced block.
   *
   * @param file the Markdown file, relative to the repository root
   * @param line the line of the opening fence, 1-based
   * @param language the fence's language, empty for a plain block
   * @param text the block's lines without the fence's indentation, each ending in a newline
   * @param markers the markers written directly above the fence
   * @param output the text of a plain block written right after this one (only blank lines
   *     between), which a shell block's output must show
   */
  record Block(
      String file,
      int line,
      String language,
      String text,
      List<Marker> markers,
      Optional<String> output) {
    Block {
      requireNonNull(file, "file");
      requireNonNull(language, "language");
      requireNonNull(text, "text");
      markers = List.copyOf(markers);
      requireNonNull(output, "output");
    }

    String where() {
      return file + ":" + line;
    }

    boolean isShell() {
      return SHELL_LANGUAGES.contains(language);
    }

    List<String> values(String key) {
      return markers.stream().filter(m -> m.key().equals(key)).map(Marker::value).toList();
    }

    Optional<String> value(String key) {
      return values(key).stream().findFirst();
    }

    boolean has(String key) {
      return markers.stream().anyMatch(m -> m.key().equals(key));
    }

    /**
     * The commands to run: a {@code console} block's {@code $ } lines (the rest is output), any
     * other shell block whole.
     */
    String commands() {
      if (!language.equals("console")) {
        return text;
      }
      StringBuilder commands = new StringBuilder();
      boolean continued = false;
      for (String line : text.lines().toList()) {
        if (line.startsWith("$ ")) {
          commands.append(line.substring(2)).append('\n');
          continued = line.endsWith("\\");
        } else if (continued) {
          commands.append(line).append('\n');
          continued = line.endsWith("\\");
        }
      }
      return commands.toString();
    }

    /** The output a {@code console} block shows after its commands, and the block after it. */
    List<String> expectedOutput() {
      List<String> expected = new ArrayList<>();
      if (language.equals("console")) {
        boolean continued = false;
        for (String line : text.lines().toList()) {
          if (line.startsWith("$ ")) {
            continued = line.endsWith("\\");
          } else if (continued) {
            continued = line.endsWith("\\");
          } else if (!line.isBlank()) {
            expected.add(line);
          }
        }
      }
      output.ifPresent(shown -> shown.lines().filter(l -> !l.isBlank()).forEach(expected::add));
      return expected;
    }

    /** Whether a plain block reads like commands someone would paste into a shell. */
    boolean looksLikeCommands() {
      return language.isEmpty()
          && text.lines()
              .filter(l -> !l.isBlank())
              .findFirst()
              .map(l -> COMMAND_START.matcher(l.strip()).find())
              .orElse(false);
    }
  }

  /** Every Markdown file the docs test reads, in the order it runs them. */
  static List<Path> documentationFiles(Path root) {
    List<Path> files = new ArrayList<>();
    files.add(root.resolve("README.md"));
    try (Stream<Path> modules = Files.list(root)) {
      modules
          .filter(Files::isDirectory)
          .map(dir -> dir.resolve("README.md"))
          .filter(Files::isRegularFile)
          .sorted()
          .forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /** The blocks of every documentation file under {@code root}, in order. */
  static List<Block> read(Path root) {
    List<Block> blocks = new ArrayList<>();
    for (Path file : documentationFiles(root)) {
      try {
        blocks.addAll(parse(root.relativize(file).toString(), Files.readString(file)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return blocks;
  }

  /** The fenced blocks of one Markdown text. */
  static List<Block> parse(String file, String markdown) {
    List<String> lines = markdown.lines().toList();
    List<Block> blocks = new ArrayList<>();
    List<Marker> pending = new ArrayList<>();
    int lastShell = -1;
    boolean onlyBlankSinceShell = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      Matcher marker = MARKER.matcher(line);
      if (marker.matches()) {
        pending.addAll(markers(file, i + 1, marker.group(1)));
        onlyBlankSinceShell = false;
        continue;
      }
      Matcher fence = FENCE.matcher(line);
      if (!fence.matches()) {
        if (!line.isBlank()) {
          pending.clear();
          onlyBlankSinceShell = false;
        }
        continue;
      }
      String indent = fence.group(1);
      String language = fence.group(2).toLowerCase(Locale.ROOT);
      StringBuilder text = new StringBuilder();
      int end = i + 1;
      while (end < lines.size() && !lines.get(end).strip().equals("```")) {
        String content = lines.get(end);
        text.append(content.startsWith(indent) ? content.substring(indent.length()) : content)
            .append('\n');
        end++;
      }
      if (end == lines.size()) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": a fence that never closes");
      }
      if (language.isEmpty() && onlyBlankSinceShell && lastShell >= 0) {
        Block shell = blocks.get(lastShell);
        blocks.set(
            lastShell,
            new Block(
                shell.file(),
                shell.line(),
                shell.language(),
                shell.text(),
                shell.markers(),
                Optional.of(text.toString())));
      }
      Block block = new Block(file, i + 1, language, text.toString(), pending, Optional.empty());
      blocks.add(block);
      pending = new ArrayList<>();
      onlyBlankSinceShell = block.isShell();
      lastShell = block.isShell() ? blocks.size() - 1 : -1;
      i = end;
    }
    return blocks;
  }

  private static List<Marker> markers(String file, int line, String body) {
    List<Marker> markers = new ArrayList<>();
    Matcher pair = MARKER_PAIR.matcher(body.strip());
    int at = 0;
    String rest = body.strip();
    while (at < rest.length()) {
      if (Character.isWhitespace(rest.charAt(at))) {
        at++;
        continue;
      }
      if (!pair.find(at) || pair.start() != at) {
        throw new IllegalArgumentException(
            file
                + ":"
                + line
                + ": cannot read the docs-test marker at \""
                + rest.substring(at)
                + "\"");
      }
      String key = pair.group(1);
      if (!MARKER_KEYS.contains(key)) {
        throw new IllegalArgumentException(
            file
                + ":"
                + line
                + ": unknown docs-test marker key "
                + key
                + ", known: "
                + MARKER_KEYS);
      }
      @Nullable String quoted = pair.group(2);
      @Nullable String bare = pair.group(3);
      String value = quoted != null ? unescape(quoted) : bare != null ? bare : "";
      markers.add(new Marker(key, value));
      at = pair.end();
    }
    return markers;
  }

  /**
   * A quoted marker value: {@code \\"} is a quote, {@code \\n} a line break, {@code \\\\} a
   * backslash.
   */
  private static String unescape(String quoted) {
    StringBuilder value = new StringBuilder();
    for (int i = 0; i < quoted.length(); i++) {
      char c = quoted.charAt(i);
      if (c == '\\' && i + 1 < quoted.length()) {
        char next = quoted.charAt(++i);
        value.append(next == 'n' ? '\n' : next);
      } else {
        value.append(c);
      }
    }
    return value.toString();
  }
}
