package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code --format} for the commands that print one answer (a report, an explanation, an issuer's
 * reply) rather than rows: the values of every {@code --format} ({@link AuditOutput.Format}), of
 * which {@code csv} needs rows and is refused here with a message saying so.
 */
class ReportFormatOption {
  @Option(
      names = "--format",
      defaultValue = "table",
      description =
          "table (readable text), json (the answer as indented JSON) or jsonl (the same on one"
              + " line); csv is for the commands that list rows. Default: ${DEFAULT-VALUE}.")
  AuditOutput.Format format = AuditOutput.Format.table;

  /** Whether the deprecated {@code --json} was given; only {@link WithJsonAlias} has it. */
  boolean legacyJson() {
    return false;
  }

  private boolean warned;

  /**
   * The format asked for.
   *
   * @throws ParameterException for {@code csv}
   */
  AuditOutput.Format format(CommandSpec spec) {
    if (legacyJson()) {
      if (!warned) {
        warned = true;
        spec.commandLine()
            .getErr()
            .println("tokenwatch: --json is deprecated and will be removed; use --format json");
      }
      return AuditOutput.Format.json;
    }
    if (format == AuditOutput.Format.csv) {
      throw new ParameterException(
          spec.commandLine(),
          "--format csv needs rows; "
              + spec.qualifiedName(" ").replaceFirst("^tokenwatch ", "")
              + " prints one answer: use table, json or jsonl");
    }
    return format;
  }

  /** Whether the answer is printed as JSON rather than text. */
  boolean isJson(CommandSpec spec) {
    return format(spec) != AuditOutput.Format.table;
  }

  /** Prints {@code answer} as JSON in the format asked for (indented, or one line for jsonl). */
  void printJson(CommandSpec spec, PrintWriter out, JsonNode answer) {
    out.println(
        format(spec) == AuditOutput.Format.jsonl ? answer.toString() : answer.toPrettyString());
  }

  /**
   * With the hidden {@code --json} of the commands whose documentation used it, kept as an alias of
   * {@code --format json} that warns once on stderr.
   */
  static final class WithJsonAlias extends ReportFormatOption {
    @Option(names = "--json", hidden = true, description = "Deprecated: use --format json.")
    boolean json;

    @Override
    boolean legacyJson() {
      return json;
    }
  }
}
