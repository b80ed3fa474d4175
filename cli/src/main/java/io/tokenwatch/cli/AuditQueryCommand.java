package io.tokenwatch.cli;

import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch audit query}: events matching the filters. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description = "Events matching the filters, oldest first.")
final class AuditQueryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditSourceOptions source;

  @ArgGroup(exclusive = false)
  @Nullable AuditFilters filters;

  @Option(names = "--limit", defaultValue = "100", description = "At most this many rows.")
  int limit = 100;

  @Mixin AuditFormatOption output;

  @Override
  public Integer call() {
    output.print(
        spec,
        source.source().events(AuditFilters.orNone(filters), limit),
        AuditOutput.EVENT_COLUMNS);
    return 0;
  }
}
