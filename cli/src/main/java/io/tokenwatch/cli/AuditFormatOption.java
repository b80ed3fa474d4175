package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code --format} and the printing of rows, for the commands that list events or grants. */
final class AuditFormatOption {
  @Option(
      names = "--format",
      defaultValue = "table",
      description =
          "table, json (an array), jsonl (one row per line) or csv. Default: ${DEFAULT-VALUE}.")
  AuditOutput.Format format = AuditOutput.Format.table;

  void print(CommandSpec spec, List<ObjectNode> rows, List<AuditOutput.Column> columns) {
    AuditOutput.print(spec.commandLine().getOut(), rows, columns, format);
  }
}
