package io.tokenwatch.cli;

import io.tokenwatch.audit.app.AuditSinkConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Where the history is: the store file, or a running sink's API with {@code --url}. */
final class AuditSourceOptions {
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
      names = "--url",
      description = "Ask a running audit sink's HTTP API instead of reading the file.")
  @Nullable String url;

  @Option(
      names = "--access-token",
      defaultValue = "${env:TOKENWATCH_AUDIT_TOKEN}",
      description =
          "Access token for --url (audience urn:tokenwatch:audit, scope audit:read)."
              + " Default: $TOKENWATCH_AUDIT_TOKEN.")
  @Nullable String token;

  @Option(
      names = "--timeout",
      defaultValue = "PT30S",
      paramLabel = "DURATION",
      description =
          "How long to wait for a service (ISO-8601): each request to the audit API (--url); for"
              + " replay each Kafka and schema registry call, and a Kafka replay that stops"
              + " progressing. Default: ${DEFAULT-VALUE}.")
  Duration timeout = Duration.ofSeconds(30);

  /**
   * The bound on each call to a service.
   *
   * @throws IllegalArgumentException if it is not positive
   */
  Duration timeout() {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be positive, was " + timeout);
    }
    return timeout;
  }

  /** The API with {@code --url}, else the store file. */
  AuditSource source() {
    String api = url;
    return api != null
        ? new HttpAuditSource(api, token, timeout())
        : new LocalAuditSource(dbFile(), auditDir(), Clock.systemUTC());
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
