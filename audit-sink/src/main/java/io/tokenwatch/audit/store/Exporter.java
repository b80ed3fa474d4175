package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.AuditFilter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Exports events to Parquet or CSV. The filter reaches SQL as bind parameters; the target path,
 * which DuckDB's {@code COPY} cannot take as a parameter, is validated first by {@link #target}.
 */
public final class Exporter {

  /** An export format, named by the file extension. */
  public enum Format {
    PARQUET(".parquet", "(FORMAT parquet, COMPRESSION zstd)"),
    CSV(".csv", "(FORMAT csv, HEADER true)");

    final String extension;
    final String options;

    Format(String extension, String options) {
      this.extension = extension;
      this.options = options;
    }
  }

  /** A validated export file. */
  public record Target(Path path, Format format) {
    public Target {
      requireNonNull(path, "path");
      requireNonNull(format, "format");
    }
  }

  /**
   * The exported columns: the stored ones, hashes as hex, timestamps as instants. The store keeps
   * UTC in naive columns; Parquet gets {@code TIMESTAMPTZ} ({@code TIMESTAMP(MICROS,
   * isAdjustedToUTC=true)}) through {@code AT TIME ZONE 'UTC'}, which says they are UTC where a
   * plain cast would read them in the session's time zone; CSV gets ISO-8601 text ending in {@code
   * Z}, the same whatever the session's time zone.
   */
  static String columns(Format format) {
    return "event_id, event_type, "
        + instant("occurred_at", format)
        + ", subject, client_id, token_id, grant_id, audience, grant_type,"
        + " CASE WHEN scope = '' THEN []::VARCHAR[] ELSE string_split(scope, ' ') END AS scopes,"
        + " decision, reason, policy_id, policy_version, actor, "
        + instant("expires_at", format)
        + ", source_topic, source_partition, source_offset, payload, chain_seq,"
        + " lower(hex(prev_hash)) AS prev_hash, lower(hex(hash)) AS hash";
  }

  private static String instant(String column, Format format) {
    return switch (format) {
      case PARQUET -> "CAST(" + column + " AT TIME ZONE 'UTC' AS TIMESTAMPTZ) AS " + column;
      case CSV -> "strftime(" + column + ", '%Y-%m-%dT%H:%M:%S.%gZ') AS " + column;
    };
  }

  private final AuditStore store;

  public Exporter(AuditStore store) {
    this.store = requireNonNull(store, "store");
  }

  /**
   * Characters that have no place in a file name someone will later read in a listing: controls,
   * line and paragraph separators, invisible format characters (bidirectional overrides that make a
   * name read differently than it is, zero-width joiners), unpaired surrogates, and the quotes of
   * SQL string literals.
   */
  private static boolean unsafe(int codePoint) {
    int type = Character.getType(codePoint);
    return Character.isISOControl(codePoint)
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.FORMAT
        || type == Character.SURROGATE
        || codePoint == '\''
        || codePoint == '"';
  }

  /**
   * Validates a user-supplied export path: a {@code .parquet} or {@code .csv} file (the extension
   * picks the format) in an existing directory, no {@code ..} segment, no control, format,
   * line-separator or quote characters, not a directory or link, and not an existing file unless
   * {@code overwrite}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Target target(String raw, boolean overwrite) {
    requireNonNull(raw, "raw");
    if (raw.isBlank() || raw.length() > 4096) {
      throw new IllegalArgumentException("export path must be 1 to 4096 characters");
    }
    if (raw.codePoints().anyMatch(Exporter::unsafe)) {
      throw new IllegalArgumentException(
          "export path must not contain quotes, control, format or line-separator characters");
    }
    Path given;
    try {
      given = Path.of(raw);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("export path is not a valid path", e);
    }
    for (Path segment : given) {
      if (segment.toString().equals("..")) {
        throw new IllegalArgumentException("export path must not contain '..'");
      }
    }
    Path path = given.toAbsolutePath().normalize();
    Path name = path.getFileName();
    String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    Format format = null;
    for (Format candidate : Format.values()) {
      if (lower.endsWith(candidate.extension) && lower.length() > candidate.extension.length()) {
        format = candidate;
      }
    }
    if (format == null) {
      throw new IllegalArgumentException("export path must end in .parquet or .csv");
    }
    Path parent = path.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new IllegalArgumentException("the directory of the export path does not exist");
    }
    if (Files.isSymbolicLink(path) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException("export path is a directory or a link");
    }
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !overwrite) {
      throw new IllegalArgumentException("export file exists; pass --force to overwrite it");
    }
    return new Target(path, format);
  }

  /**
   * Writes every event matching {@code filter} (its limit ignored), in time order, to {@code
   * target}.
   *
   * @return the number of events written
   */
  public long export(AuditFilter filter, Target target) {
    requireNonNull(filter, "filter");
    requireNonNull(target, "target");
    if (store.dialect() != Dialect.DUCKDB) {
      // PostgreSQL's COPY writes on the database server: the selected rows are copied into an
      // in-memory DuckDB store and written from there, so both stores export the very same files
      try (AuditStore copy = AuditStore.inMemory()) {
        new AuditQueries(store).copySelected(filter, copy);
        return new Exporter(copy).export(filter, target);
      }
    }
    List<Object> params = new ArrayList<>();
    String select =
        "CREATE OR REPLACE TEMP TABLE tokenwatch_export AS SELECT "
            + columns(target.format())
            + " FROM audit_events"
            + AuditQueries.where(filter, params)
            + " ORDER BY "
            + AuditQueries.Order.TIME.sql;
    // the path is validated by target(): absolute, no quotes, no control characters
    String copy = "COPY tokenwatch_export TO '" + target.path() + "' " + target.format().options;
    try (PreparedStatement create = store.connection().prepareStatement(select);
        Statement statement = store.connection().createStatement()) {
      for (int i = 0; i < params.size(); i++) {
        create.setObject(i + 1, params.get(i));
      }
      create.execute();
      long rows;
      try (var rs = statement.executeQuery("SELECT count(*) FROM tokenwatch_export")) {
        rs.next();
        rows = rs.getLong(1);
      }
      statement.execute(copy);
      statement.execute("DROP TABLE tokenwatch_export");
      return rows;
    } catch (SQLException e) {
      throw new StoreException("export failed: " + e.getMessage(), e);
    }
  }
}
