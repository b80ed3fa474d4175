package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code tokenwatch up} before it starts anything: a port in use is named with the option that sets
 * it, and the help names every service it starts with that service's port option.
 */
class UpCommandTest {

  @TempDir Path tmp;

  /** Every port option of up, with what listens there; the services' come from PlatformServices. */
  static Stream<Arguments> portOptions() {
    List<Arguments> options = new ArrayList<>();
    options.add(Arguments.of("--kafka-port", "embedded Kafka broker"));
    options.add(Arguments.of("--registry-port", "embedded schema registry"));
    for (PlatformServices.Service service : PlatformServices.Service.values()) {
      options.add(Arguments.of(service.option(), service.displayName()));
    }
    return options.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("portOptions")
  void shouldNameThePortInUseAndTheOptionThatSetsItBeforeStartingAnything(
      String option, String listener) throws IOException {
    Path dataDir = tmp.resolve("data");
    try (ServerSocket held = new ServerSocket()) {
      held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = held.getLocalPort();
      Run run = up(dataDir, option, String.valueOf(port));

      assertThat(run.exit()).as(run.err()).isEqualTo(1);
      assertThat(run.err().strip().lines())
          .as("one line")
          .singleElement()
          .asString()
          .startsWith("tokenwatch up: port " + port + " ")
          .contains("the " + listener + " would listen")
          .contains("already in use")
          .contains("choose another with " + option);
      assertThat(run.out()).isEmpty();
    }
    assertThat(dataDir).as("nothing started, nothing written").doesNotExist();
  }

  @Test
  void shouldRefuseOnePortGivenToTwoServicesBeforeStartingAnything() throws IOException {
    Path dataDir = tmp.resolve("data");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Run run =
        up(dataDir, "--issuer-port", String.valueOf(port), "--audit-port", String.valueOf(port));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err())
        .contains("port " + port + " is given to both the issuer (--issuer-port)")
        .contains("the audit sink (--audit-port)");
    assertThat(dataDir).doesNotExist();
  }

  @Test
  void shouldRefuseASignalsConfigItCannotReadBeforeStartingAnything() throws IOException {
    Path dataDir = tmp.resolve("data");
    Path config =
        Files.writeString(tmp.resolve("receiver.properties"), "signals.receiver.issuer=\\u00zz\n");

    Run unreadable = up(dataDir, "--signals-config", config.toString());
    Run missing = up(dataDir, "--signals-config", tmp.resolve("absent.properties").toString());

    assertThat(unreadable.exit()).isEqualTo(1);
    assertThat(unreadable.err())
        .contains("tokenwatch up: --signals-config:")
        .contains("receiver.properties")
        .contains("signals.receiver.issuer");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("absent.properties");
    assertThat(dataDir).doesNotExist();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("portOptions")
  void shouldRefuseAPortOutOfRangeNamingItsOptionBeforeStartingAnything(String option) {
    Path dataDir = tmp.resolve("data");
    Run run = up(dataDir, option, "70000");

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains(option + " must be between 0 and 65535, was 70000");
    assertThat(dataDir).doesNotExist();
  }

  @Test
  void shouldGiveEveryServicePortAServiceThatUpChecksAndDocuments() {
    assertThat(
            Arrays.stream(PlatformServices.Ports.class.getRecordComponents())
                .map(RecordComponent::getName))
        .as("every port in Ports belongs to a service of PlatformServices.Service")
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(PlatformServices.Service.values())
                .map(PlatformServices.Service::port)
                .toList());
  }

  @Test
  void shouldNameEveryServiceItStartsAndEveryPortOptionInItsHelp() {
    CommandLine up = Tokenwatch.commandLine().getSubcommands().get("up");
    String help = up.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");

    for (PlatformServices.Service service : PlatformServices.Service.values()) {
      assertThat(help).contains(service.displayName() + " (" + service.option() + ")");
      assertThat(up.getCommandSpec().findOption(service.option())).as(service.option()).isNotNull();
    }
    assertThat(help)
        .contains("(KRaft, --kafka-port)")
        .contains("schema registry (--registry-port)");
  }

  @Test
  void shouldListInTheReadmeExactlyTheOptionsItsHelpShows() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String section = readme.substring(readme.indexOf("### The platform without simulated traffic"));
    section = section.substring(0, section.indexOf("\n## "));
    String options =
        section.substring(
            section.indexOf("Options:"), section.indexOf("Each service also runs alone"));
    Set<String> documented = new TreeSet<>();
    Matcher option = Pattern.compile("--[a-z][a-z-]*").matcher(options);
    while (option.find()) {
      documented.add(option.group());
    }
    Set<String> declared = new TreeSet<>();
    Tokenwatch.commandLine()
        .getSubcommands()
        .get("up")
        .getCommandSpec()
        .options()
        .forEach(o -> declared.add(o.longestName()));
    declared.removeAll(Set.of("--help", "--version"));

    assertThat(documented).isEqualTo(declared);
  }

  private static Run up(Path dataDir, String... portOptions) {
    List<String> args = new ArrayList<>(List.of("up", "--data-dir", dataDir.toString()));
    // Every port free but the one under test: 0 picks a free one and is never checked.
    for (String option :
        List.of(
            "--kafka-port",
            "--registry-port",
            "--issuer-port",
            "--introspection-port",
            "--anomaly-port",
            "--validator-port",
            "--audit-port",
            "--console-port",
            "--signals-port")) {
      if (!Arrays.asList(portOptions).contains(option)) {
        args.add(option);
        args.add("0");
      }
    }
    args.addAll(List.of(portOptions));
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private record Run(int exit, String out, String err) {}
}
