package io.tokenwatch.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code tokenwatch audit ...}: the analyst's commands over the audit store. They open the store
 * file read-only; DuckDB lets one process write or several read, so while an audit sink runs on
 * that file they say so and the same questions go to its HTTP API with {@code --url} and {@code
 * --access-token}. Each subcommand asks an {@link AuditSource}, which is one or the other.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Query, replay, export and verify the audit history.",
      "Reads the store file read-only (--data-dir, --db). While an audit sink holds the file,"
          + " ask its HTTP API instead: --url http://localhost:8095 --access-token <token with"
          + " audit:read>."
    },
    subcommands = {
      AuditQueryCommand.class,
      AuditGrantsCommand.class,
      AuditTimelineCommand.class,
      AuditWhyCommand.class,
      AuditLeastPrivilegeCommand.class,
      AuditVerifyCommand.class,
      AuditReplayCommand.class,
      AuditExportCommand.class
    })
final class AuditCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }
}
