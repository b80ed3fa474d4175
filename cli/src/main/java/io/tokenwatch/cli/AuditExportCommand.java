package io.tokenwatch.cli;

import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.store.Exporter;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwatch audit export}: events to a Parquet or CSV file, from the store file only. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Writes the events matching the filters, oldest first, to a Parquet or CSV file (the"
            + " extension picks the format).")
final class AuditExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin AuditStoreOptions source;

  @ArgGroup(exclusive = false)
  @Nullable AuditFilters filters;

  @Option(names = "--out", required = true, description = "The file: *.parquet or *.csv.")
  String out = "";

  @Option(names = "--force", description = "Overwrite an existing file.")
  boolean force;

  @Override
  public Integer call() {
    LocalAuditSource store = source.local();
    Exporter.Target target = Exporter.target(out, force);
    AuditFilter filter = store.filter(AuditFilters.orNone(filters), 1);
    long rows = store.export(filter, target);
    PrintWriter printer = spec.commandLine().getOut();
    printer.println(
        "exported "
            + rows
            + " events to "
            + target.path()
            + " ("
            + target.format().name().toLowerCase(Locale.ROOT)
            + ")");
    printer.flush();
    return 0;
  }
}
