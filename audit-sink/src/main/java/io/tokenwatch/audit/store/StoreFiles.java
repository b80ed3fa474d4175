package io.tokenwatch.audit.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;
import org.duckdb.DuckDBConnection;

/**
 * Opens the store file: DuckDB lets one process hold it read-write or any number hold it read-only,
 * and refuses the rest; that refusal becomes a {@link StoreLockedException} that says where to ask
 * instead.
 */
final class StoreFiles {

  private StoreFiles() {}

  /** A read-write connection, the file (and its directory) created if missing. */
  static DuckDBConnection openReadWrite(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new StoreException("cannot create the directory of " + file, e);
    }
    return connect(file, false);
  }

  /** A read-only connection to an existing file. */
  static DuckDBConnection openReadOnly(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new StoreException("no audit store at " + file);
    }
    return connect(file, true);
  }

  private static DuckDBConnection connect(Path file, boolean readOnly) {
    Properties properties = new Properties();
    if (readOnly) {
      properties.setProperty("duckdb.read_only", "true");
    }
    properties.setProperty("jdbc_stream_results", "true");
    try {
      return (DuckDBConnection)
          DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath(), properties);
    } catch (SQLException e) {
      String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("lock") || message.contains("different configuration")) {
        throw new StoreLockedException(
            "the audit store "
                + file
                + " is held by another process (a running audit sink); query its HTTP API"
                + " instead (tokenwatch audit ... --url <sink> --access-token <token>)",
            e);
      }
      throw new StoreException("cannot open the audit store " + file + ": " + e.getMessage(), e);
    }
  }
}
