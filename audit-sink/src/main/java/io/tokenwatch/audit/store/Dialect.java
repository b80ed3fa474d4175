package io.tokenwatch.audit.store;

import io.tokenwatch.audit.AuditEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.jspecify.annotations.Nullable;

/**
 * What differs between the two databases a store can live in: the schema's types, how rows are
 * written, the two SQL expressions with no common spelling, and how sealing is serialised. The
 * store's logic (dedup, chaining, fencing, checkpoints, queries) is written once above this seam.
 *
 * <p>The shared queries are written in DuckDB's SQL; on PostgreSQL the schema defines the handful
 * of DuckDB functions they call ({@link PostgresSchema#FUNCTIONS}) with the same meaning, so the
 * same text runs on both and a differential test holds the answers equal.
 */
enum Dialect {
  DUCKDB {
    @Override
    void migrate(Connection connection) {
      Migrations.apply(connection);
    }

    @Override
    String tryBigint(String text) {
      return "TRY_CAST(" + text + " AS BIGINT)";
    }

    @Override
    String jsonTextArray(String document, String field) {
      return "coalesce(TRY_CAST(json_extract("
          + document
          + ", '$."
          + field
          + "') AS VARCHAR[]), [])";
    }

    @Override
    @Nullable String lockForSealing() {
      return null; // one writer
    }

    @Override
    EventRows rows(Connection connection) throws SQLException {
      return new AppenderRows(
          ((DuckDBConnection) connection).createAppender("main", "audit_events"));
    }

    @Override
    Connection duplicate(Connection connection) throws SQLException {
      return ((DuckDBConnection) connection).duplicate();
    }
  },

  POSTGRES {
    @Override
    void migrate(Connection connection) {
      PostgresSchema.apply(connection);
    }

    @Override
    String tryBigint(String text) {
      return "try_bigint(" + text + ")";
    }

    @Override
    String jsonTextArray(String document, String field) {
      return "json_text_array(" + document + ", '" + field + "')";
    }

    @Override
    String lockForSealing() {
      // readers go on; a second sealer waits and then sees the first one's checkpoint
      return "LOCK TABLE audit_checkpoints IN EXCLUSIVE MODE";
    }

    @Override
    EventRows rows(Connection connection) throws SQLException {
      return new InsertRows(connection);
    }

    @Override
    Connection duplicate(Connection connection) {
      throw new UnsupportedOperationException("a PostgreSQL store opens a new connection");
    }
  };

  /** Creates or migrates the schema of a store opened read-write. */
  abstract void migrate(Connection connection);

  /** {@code text} as a BIGINT, or NULL when it is not one. */
  abstract String tryBigint(String text);

  /** The string array at top-level {@code field} of JSON {@code document}, or an empty array. */
  abstract String jsonTextArray(String document, String field);

  /** The statement that makes sealing exclusive among writers, or null when there is one writer. */
  abstract @Nullable String lockForSealing();

  /** A writer of event rows inside the open transaction. */
  abstract EventRows rows(Connection connection) throws SQLException;

  /** A second connection to the same database. */
  abstract Connection duplicate(Connection connection) throws SQLException;

  /** Writes event rows; {@link #finish} sends what is buffered. */
  interface EventRows extends AutoCloseable {
    void add(AuditEvent event, long seq, byte[] previous, byte[] hash, UUID key)
        throws SQLException;

    void finish() throws SQLException;

    @Override
    void close() throws SQLException;
  }

  /** DuckDB's appender: rows go straight into the table's storage, the fastest path it has. */
  private static final class AppenderRows implements EventRows {
    private final DuckDBAppender appender;

    AppenderRows(DuckDBAppender appender) {
      this.appender = appender;
    }

    @Override
    public void add(AuditEvent event, long seq, byte[] previous, byte[] hash, UUID key)
        throws SQLException {
      appender.beginRow();
      appender.append(event.eventId());
      appender.append(event.eventType());
      appender.appendEpochMillis(event.occurredAt());
      appendNullable(event.subject());
      appendNullable(event.clientId());
      appendNullable(event.tokenId());
      appendNullable(event.grantId());
      appendNullable(event.audience());
      appendNullable(event.grantType());
      appender.append(String.join(" ", event.scopes()));
      appendNullable(event.decision());
      appendNullable(event.reason());
      appendNullable(event.policyId());
      appendNullable(event.policyVersion());
      appendNullable(event.actor());
      Long expiresAt = event.expiresAt();
      if (expiresAt == null) {
        appender.appendNull();
      } else {
        appender.appendEpochMillis(expiresAt);
      }
      appender.append(event.sourceTopic());
      appender.append(event.sourcePartition());
      appender.append(event.sourceOffset());
      appender.append(event.json());
      appender.append(seq);
      appender.append(previous);
      appender.append(hash);
      appender.appendUUID(key.getMostSignificantBits(), key.getLeastSignificantBits());
      appender.endRow();
    }

    private void appendNullable(@Nullable String value) throws SQLException {
      if (value == null) {
        appender.appendNull();
      } else {
        appender.append(value);
      }
    }

    @Override
    public void finish() throws SQLException {
      appender.flush();
    }

    @Override
    public void close() throws SQLException {
      appender.close();
    }
  }

  /**
   * Batched INSERTs; the driver rewrites a batch into multi-row statements ({@code
   * reWriteBatchedInserts}, set when the store connects).
   */
  private static final class InsertRows implements EventRows {
    private static final List<String> SLOTS =
        List.of(
            "?",
            "?",
            "epoch_ms(?::BIGINT)",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "epoch_ms(?::BIGINT)",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?",
            "?::UUID");

    private final PreparedStatement insert;

    InsertRows(Connection connection) throws SQLException {
      insert =
          connection.prepareStatement(
              "INSERT INTO audit_events VALUES (" + String.join(", ", SLOTS) + ")");
    }

    @Override
    public void add(AuditEvent event, long seq, byte[] previous, byte[] hash, UUID key)
        throws SQLException {
      insert.setString(1, event.eventId());
      insert.setString(2, event.eventType());
      insert.setLong(3, event.occurredAt());
      insert.setString(4, event.subject());
      insert.setString(5, event.clientId());
      insert.setString(6, event.tokenId());
      insert.setString(7, event.grantId());
      insert.setString(8, event.audience());
      insert.setString(9, event.grantType());
      insert.setString(10, String.join(" ", event.scopes()));
      insert.setString(11, event.decision());
      insert.setString(12, event.reason());
      insert.setString(13, event.policyId());
      insert.setString(14, event.policyVersion());
      insert.setString(15, event.actor());
      Long expiresAt = event.expiresAt();
      if (expiresAt == null) {
        insert.setNull(16, java.sql.Types.BIGINT);
      } else {
        insert.setLong(16, expiresAt);
      }
      insert.setString(17, event.sourceTopic());
      insert.setInt(18, event.sourcePartition());
      insert.setLong(19, event.sourceOffset());
      insert.setString(20, event.json());
      insert.setLong(21, seq);
      insert.setBytes(22, previous);
      insert.setBytes(23, hash);
      insert.setString(24, key.toString());
      insert.addBatch();
    }

    @Override
    public void finish() throws SQLException {
      insert.executeBatch();
    }

    @Override
    public void close() throws SQLException {
      insert.close();
    }
  }

  /** Runs {@code sql} on {@code connection}. */
  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
