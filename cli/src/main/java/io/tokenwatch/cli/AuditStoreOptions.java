package io.tokenwatch.cli;

import io.tokenwatch.audit.app.AuditSinkConfig;
import java.nio.file.Path;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Where the store file is. The subcommands that read only the file (export, replay) mix in this
 * alone, so their help lists no option they would refuse; the others mix in {@link
 * AuditSourceOptions}, which adds the API's.
 */
final class AuditStoreOptions {
  @Option(
      names = "--data-dir",
      defaultValue = "${env:TOKENWATCH_DATA_DIR:-data}",
      description =
          "Platform data directory; the store is <data-dir>/audit-sink/audit.duckdb."
              + " Default: $TOKENWATCH_DATA_DIR, else ./data.")
  Path dataDir = Path.of("data");

  @Option(names = "--db", description = "The store file, if not under --data-dir.")
  @Nullable Path db;

  /** The store file, read-only, times read against the system clock. */
  LocalAuditSource local() {
    return new LocalAuditSource(dbFile(), auditDir(), Clock.systemUTC());
  }

  private Path auditDir() {
    Path file = db;
    Path parent = file == null ? null : file.toAbsolutePath().getParent();
    return parent != null ? parent : dataDir.resolve("audit-sink");
  }

  private Path dbFile() {
    Path file = db;
    return file != null
        ? file
        : dataDir.resolve("audit-sink").resolve(AuditSinkConfig.DEFAULT_DB_FILE);
  }
}
