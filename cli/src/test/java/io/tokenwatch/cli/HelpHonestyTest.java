package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every option the help of an {@code audit} subcommand lists is one the subcommand accepts: run
 * with it (and a valid value), the command may fail for want of a store or a server, but never
 * because of that option. The cases are every visible option of every subcommand, read from
 * picocli's command tree, so an option added to a shared mixin is checked on every subcommand that
 * shows it. (The {@code audit} tree is walked because its commands run here without a platform; the
 * service commands would start one.)
 */
class HelpHonestyTest {

  /** Nothing listens here: a command that goes to the network fails fast. */
  private static final String CLOSED = "http://127.0.0.1:" + FreePort.find();

  @TempDir static Path dir;

  /** A valid value for each option name, and the options it needs beside it. */
  private static final Map<String, List<String>> SAMPLES =
      Map.ofEntries(
          Map.entry("--data-dir", List.of("--data-dir", "DIR/empty")),
          Map.entry("--db", List.of("--db", "DIR/none.duckdb")),
          Map.entry("--store", List.of("--store", "postgresql://127.0.0.1:1/none?user=x")),
          Map.entry("--url", List.of("--url", CLOSED, "--access-token", "x")),
          Map.entry("--access-token", List.of("--access-token", "x")),
          Map.entry("--subject", List.of("--subject", "alice")),
          Map.entry("--client", List.of("--client", "app")),
          Map.entry("--token", List.of("--token", "t1")),
          Map.entry("--grant", List.of("--grant", "g1")),
          Map.entry("--type", List.of("--type", "TokenIssued")),
          Map.entry("--decision", List.of("--decision", "DENIED")),
          Map.entry("--reason", List.of("--reason", "REVOKED")),
          Map.entry("--from", List.of("--from", "24h")),
          Map.entry("--to", List.of("--to", "now")),
          Map.entry("--limit", List.of("--limit", "5")),
          Map.entry("--format", List.of("--format", "jsonl")),
          Map.entry("--out", List.of("--out", "DIR/out.csv")),
          Map.entry("--force", List.of("--force")),
          Map.entry("--source", List.of("--source", "store")),
          Map.entry("--order", List.of("--order", "partition")),
          Map.entry("--to-topic", List.of("--to-topic", "incident-42")),
          Map.entry("--bootstrap-servers", List.of("--bootstrap-servers", "127.0.0.1:1")),
          Map.entry("--schema-registry-url", List.of("--schema-registry-url", CLOSED)),
          Map.entry("--days", List.of("--days", "7")),
          Map.entry(
              "--open-request",
              List.of("--open-request", "--user", "ann", "--password-file", "DIR/password")),
          Map.entry("--issuer", List.of("--issuer", CLOSED)),
          Map.entry("--user", List.of("--user", "ann")),
          Map.entry("--password-file", List.of("--password-file", "DIR/password")),
          Map.entry("--purpose", List.of("--purpose", "tidy up")),
          Map.entry("--duration", List.of("--duration", "P7D")),
          Map.entry("--public-key", List.of("--public-key", "DIR/key.der")),
          Map.entry("--threads", List.of("--threads", "1")),
          Map.entry("--timeout", List.of("--timeout", "PT5S")));

  /** What a subcommand needs whatever option is tried. */
  private static final Map<String, List<String>> REQUIRED =
      Map.of(
          "export", List.of("--out", "DIR/out.csv"),
          "timeline", List.of("--token", "t1"),
          "why", List.of("t1"));

  private static CommandSpec audit() {
    return Tokenwatch.commandLine().getSubcommands().get("audit").getCommandSpec();
  }

  static Stream<Arguments> visibleOptions() {
    List<Arguments> cases = new ArrayList<>();
    for (CommandLine sub : audit().subcommands().values()) {
      for (OptionSpec option : sub.getCommandSpec().options()) {
        if (!option.hidden() && !option.usageHelp() && !option.versionHelp()) {
          cases.add(Arguments.of(sub.getCommandName(), option.longestName()));
        }
      }
    }
    return cases.stream();
  }

  private static boolean hasOption(String subcommand, String option) {
    return audit().subcommands().get(subcommand).getCommandSpec().findOption(option) != null;
  }

  @ParameterizedTest(name = "audit {0} {1}")
  @MethodSource("visibleOptions")
  void shouldAcceptEveryOptionItsHelpLists(String subcommand, String option) throws IOException {
    Files.createDirectories(dir.resolve("empty"));
    Files.writeString(dir.resolve("password"), "secret\n");
    assertThat(SAMPLES).as("a sample value for %s", option).containsKey(option);
    List<String> args = new ArrayList<>(List.of("audit", subcommand));
    List<String> required = REQUIRED.getOrDefault(subcommand, List.of());
    boolean replacesRequired =
        (subcommand.equals("timeline") && option.equals("--subject")) || required.contains(option);
    if (!replacesRequired) {
      args.addAll(required);
    }
    args.addAll(SAMPLES.get(option));
    if (!option.equals("--data-dir") && !option.equals("--db")) {
      args.addAll(List.of("--data-dir", "DIR/empty"));
    }
    if (!option.equals("--timeout") && hasOption(subcommand, "--timeout")) {
      // Kafka's clients retry a closed port until the timeout (30 s by default); the option's
      // acceptance is all this checks.
      args.addAll(List.of("--timeout", "PT2S"));
    }
    String[] argv = args.stream().map(a -> a.replace("DIR", dir.toString())).toArray(String[]::new);

    StringWriter err = new StringWriter();
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(err, true));
    cli.execute(argv);

    assertThat(err.toString())
        .as("audit %s %s", subcommand, String.join(" ", argv))
        .doesNotContain(option + " ")
        .doesNotContain(option + ":")
        .doesNotContain("'" + option + "'")
        .doesNotContain("Unknown option");
  }
}
