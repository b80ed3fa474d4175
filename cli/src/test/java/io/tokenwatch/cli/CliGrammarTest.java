package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.schemas.EventTypes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The grammar the CLI's commands share: one {@code --format} with the same values everywhere, enum
 * values in any case, filter values checked instead of silently matching nothing.
 */
class CliGrammarTest {

  @TempDir Path dataDir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void fill() {
    AuditStoreFixture.fill(dataDir);
  }

  private int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    CommandLine cli = Tokenwatch.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.add("--data-dir");
    all.add(dataDir.toString());
    return cli.execute(all.toArray(String[]::new));
  }

  @Test
  void shouldOfferOneFormatOptionWithTheSameValuesOnEveryCommand() {
    List<String> formats = new ArrayList<>();
    List<String> visibleJson = new ArrayList<>();
    walk(Tokenwatch.commandLine().getCommandSpec(), formats, visibleJson);

    assertThat(formats)
        .contains(
            "tokenwatch audit query",
            "tokenwatch audit least-privilege",
            "tokenwatch audit verify",
            "tokenwatch audit why",
            "tokenwatch access list",
            "tokenwatch policy history");
    assertThat(visibleJson).as("commands listing --json in their help").isEmpty();
  }

  private static void walk(CommandSpec spec, List<String> formats, List<String> visibleJson) {
    OptionSpec format = spec.findOption("--format");
    if (format != null) {
      assertThat(format.type()).as(spec.qualifiedName()).isEqualTo(AuditOutput.Format.class);
      formats.add(spec.qualifiedName());
    }
    OptionSpec json = spec.findOption("--json");
    if (json != null && !json.hidden()) {
      visibleJson.add(spec.qualifiedName());
    }
    spec.subcommands().values().forEach(sub -> walk(sub.getCommandSpec(), formats, visibleJson));
  }

  @Test
  void shouldPrintReportsAsJsonWithFormatJson() throws Exception {
    assertThat(run("audit", "least-privilege", "--days", "3650", "--format", "json"))
        .as(err.toString())
        .isZero();
    JsonNode report = new ObjectMapper().readTree(out.toString());
    assertThat(report.path("principals").asInt()).isPositive();

    assertThat(run("audit", "query", "--format", "json")).isZero();
    assertThat(new ObjectMapper().readTree(out.toString()).size()).isEqualTo(4);
  }

  @Test
  void shouldKeepTheDocumentedJsonAsADeprecatedAliasThatWarnsOnce() throws Exception {
    assertThat(run("audit", "why", "t1", "--json")).isZero();

    assertThat(new ObjectMapper().readTree(out.toString()).path("found").asBoolean()).isTrue();
    assertThat(err.toString())
        .isEqualTo("tokenwatch: --json is deprecated and will be removed; use --format json\n");
    assertThat(run("audit", "why", "--help")).isZero();
    assertThat(out.toString()).contains("--format").doesNotContain("--json");
  }

  @Test
  void shouldMatchDecisionsAndEventTypesInAnyCase() {
    assertThat(run("audit", "query", "--decision", "denied", "--format", "jsonl"))
        .as(err.toString())
        .isZero();
    assertThat(out.toString().lines()).hasSize(1).allMatch(line -> line.contains("\"e3\""));

    assertThat(run("audit", "query", "--type", "tokenissued", "--format", "JSONL")).isZero();
    assertThat(out.toString().lines()).hasSize(2);

    assertThat(run("audit", "query", "--type", "TokenMinted")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown event type 'TokenMinted'; one of [TokenIssued");
  }

  @Test
  void shouldAcceptEveryEventTypeTheStoreKeepsIncludingThePeoplesDecisions() {
    for (String type : EventTypes.all().stream().map(Schema::getName).toList()) {
      assertThat(run("audit", "query", "--type", type, "--format", "jsonl"))
          .as("--type %s: %s", type, err)
          .isZero();
    }
  }

  @Test
  void shouldDefaultEveryIssuerOptionToTheIssuerThatUpStarts() {
    List<String> defaults = new ArrayList<>();
    collectIssuerDefaults(Tokenwatch.commandLine().getCommandSpec(), defaults);
    assertThat(defaults).isNotEmpty().containsOnly("http://localhost:9400");
  }

  private static void collectIssuerDefaults(CommandSpec spec, List<String> defaults) {
    OptionSpec issuer = spec.findOption("--issuer");
    if (issuer != null) {
      defaults.add(String.valueOf(issuer.defaultValue()));
    }
    spec.subcommands()
        .values()
        .forEach(sub -> collectIssuerDefaults(sub.getCommandSpec(), defaults));
  }

  @Test
  void shouldRefuseCsvForACommandThatPrintsOneAnswer() {
    assertThat(run("audit", "verify", "--format", "csv")).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "--format csv needs rows; audit verify prints one answer: use table, json or jsonl");
  }
}
