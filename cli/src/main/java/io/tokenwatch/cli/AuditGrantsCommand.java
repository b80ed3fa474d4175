package io.tokenwatch.cli;

import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch audit grants}: grants with their state now. */
@Command(
    name = "grants",
    mixinStandardHelpOptions = true,
    description =
        "Who granted what to whom, when, why and under which policy version, with each"
            + " grant's state now (active, expired, revoked and why).")
final class AuditGrantsCommand implements Callable<Integer> {
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
        source.source().grants(AuditFilters.orNone(filters), limit),
        AuditOutput.GRANT_COLUMNS);
    return 0;
  }
}
