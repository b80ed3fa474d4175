package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options and printing of the subcommands that list filtered rows (query, grants). */
abstract class AuditListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditSourceOptions source;

  @ArgGroup(exclusive = false)
  @Nullable AuditFilters filters;

  @Option(names = "--limit", defaultValue = "100", description = "At most this many rows.")
  int limit = 100;

  @Mixin AuditFormatOption output;

  /** The rows {@code filters} select from {@code source}, at most {@code limit}. */
  abstract List<ObjectNode> rows(AuditSource source, AuditFilters filters, int limit);

  /** The columns of a table or CSV row. */
  abstract List<AuditOutput.Column> columns();

  @Override
  public Integer call() {
    output.print(spec, rows(source.source(), AuditFilters.orNone(filters), limit), columns());
    return 0;
  }
}
