package io.tokenwatch.cli;

import io.tokenwatch.audit.app.AuditSinkConfig;
import io.tokenwatch.audit.store.StoreLocation;
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

  @Option(
      names = "--store",
      defaultValue = "${env:TOKENWATCH_AUDIT_STORE}",
      description =
          "A PostgreSQL store the sinks share (their audit.store):"
              + " postgresql://host[:port]/database?user=name; the password is read from"
              + " $PGPASSWORD or the file named by"
              + " $PGPASSWORD_FILE. Default: $TOKENWATCH_AUDIT_STORE,"
              + " else the DuckDB file.")
  @Nullable String store;

  /** The store, read-only, times read against the system clock. */
  LocalAuditSource local() {
    return new LocalAuditSource(location(), auditDir(), Clock.systemUTC());
  }

  /**
   * The PostgreSQL store of {@code --store}, else the DuckDB file.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code --store}
   */
  private StoreLocation location() {
    String value = store;
    if (value == null || value.isBlank()) {
      return new StoreLocation.DuckDbFile(dbFile());
    }
    if (db != null) {
      throw new IllegalArgumentException("--store and --db name two stores; give one");
    }
    StoreLocation location = StoreLocation.parse(value, dataDir);
    if (!(location instanceof StoreLocation.Postgres)) {
      throw new IllegalArgumentException(
          "--store takes a postgresql:// URL; a DuckDB file is given with --db");
    }
    return location;
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
