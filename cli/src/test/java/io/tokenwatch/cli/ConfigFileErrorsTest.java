package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A malformed {@code --config} file is reported with the file, the line and the key. */
class ConfigFileErrorsTest {

  @TempDir Path dir;

  private Path file(String name, byte[] content) throws IOException {
    Path path = dir.resolve(name);
    Files.write(path, content);
    return path;
  }

  private Path file(String name, String content) throws IOException {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldNameFileLineAndKeyOfABadUnicodeEscape() throws IOException {
    Path bad =
        file(
            "bad-escape.properties",
            "# detector thresholds\nanomaly.window=PT5M\n\nanomaly.label=caf\\u00zz\n");

    assertThatThrownBy(() -> SettingsOptions.readFile(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--config " + bad + " line 4 (key anomaly.label): Malformed \\uxxxx encoding.");
  }

  @Test
  void shouldCountContinuationLinesWhenNamingTheLine() throws IOException {
    Path bad = file("continued.properties", "a=1\nb=one \\\n  two\nc=\\u12\n");

    assertThatThrownBy(() -> SettingsOptions.readFile(bad))
        .hasMessageStartingWith("--config " + bad + " line 4 (key c): Malformed");
  }

  @Test
  void shouldRefuseAContinuationThatRunsOffTheEndOfTheFile() throws IOException {
    Path bad = file("truncated.properties", "a=1\nb=one \\\n");

    assertThatThrownBy(() -> SettingsOptions.readFile(bad))
        .hasMessage(
            "--config "
                + bad
                + " line 2: the line ends with a backslash (a continuation) but the file ends"
                + " there");
  }

  @Test
  void shouldNameTheLineOfBytesThatAreNotUtf8() throws IOException {
    byte[] latin1 = "a=1\nb=2\nowner=Jos\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    Path bad = file("latin1.properties", latin1);

    assertThatThrownBy(() -> SettingsOptions.readFile(bad))
        .hasMessage("--config " + bad + " line 3: not UTF-8 (save the file as UTF-8)");
  }

  @Test
  void shouldReadWhatPropertiesReadsFromAWellFormedFile() throws IOException {
    String content =
        """
        # comment \\
        x=not a continuation of the comment
        ! also a comment
        a = 1
        b:two\\
           lines
        c\\u00e9=\\u00e9t\\u00e9
        empty=
          d   spaced value
        """;
    Path good = file("good.properties", content);
    java.util.Properties reference = new java.util.Properties();
    reference.load(new java.io.StringReader(content));

    assertThat(SettingsOptions.readFile(good))
        .containsExactlyInAnyOrderEntriesOf(
            reference.stringPropertyNames().stream()
                .collect(java.util.stream.Collectors.toMap(k -> k, reference::getProperty)));
  }

  @Test
  void shouldExitTwoWithTheFileAndLineFromACommand() throws IOException {
    Path bad = file("detector.properties", "anomaly.label=\\uZZZZ\n");
    StringWriter err = new StringWriter();
    CommandLine cli = Tokenwatch.commandLine();
    cli.setErr(new PrintWriter(err, true));

    int code =
        cli.execute(
            "detect",
            "--replay",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
            "--output-topic",
            "backtest",
            "--config",
            bad.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "tokenwatch detect: --config "
                + bad
                + " line 1 (key anomaly.label): Malformed \\uxxxx encoding.\n");
  }

  @Test
  void shouldNameTheFileAndLineOfABadValueTheFileSet() throws IOException {
    Path config =
        file(
            "validator.properties",
            "# the sidecar\nvalidator.http.port=8090\n\nvalidator.clock-skew=soon\n");
    StringWriter err = new StringWriter();
    CommandLine cli = Tokenwatch.commandLine();
    cli.setErr(new PrintWriter(err, true));

    int code = cli.execute("validator", "--config", config.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .containsPattern(
            "validator\\.clock-skew.*\\(--config "
                + java.util.regex.Pattern.quote(config.toString())
                + " line 4\\)")
        .doesNotContain("line 2");
  }
}
