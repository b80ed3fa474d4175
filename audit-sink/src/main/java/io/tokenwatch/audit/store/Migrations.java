package io.tokenwatch.audit.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Brings a store opened read-write to the current {@link Schema}: moves the first layout (text
 * primary key) to the {@link EventKey} layout, then creates whatever tables are missing.
 */
final class Migrations {

  /** Measured: 16MB (DuckDB's default) about 12k events/s, 256MB about 37k on a busy machine. */
  private static final String CHECKPOINT_THRESHOLD = "256MB";

  private Migrations() {}

  /**
   * Migrates and creates the schema.
   *
   * @throws StoreException if the schema cannot be created or a migration fails (it rolls back)
   */
  static void apply(Connection connection) {
    try (Statement statement = connection.createStatement()) {
      migrateTextKey(statement);
      for (String ddl : Schema.DDL) {
        statement.execute(ddl);
      }
      // fewer, larger checkpoints of the write-ahead log: appends are compressed at checkpoint
      statement.execute("SET checkpoint_threshold = '" + CHECKPOINT_THRESHOLD + "'");
    } catch (SQLException e) {
      throw new StoreException("cannot create the audit schema: " + e.getMessage(), e);
    }
  }

  /**
   * Moves a store whose primary key is the text {@code event_id} (the first layout) to the {@link
   * EventKey} layout, in one transaction: the rows are copied in chain order with their keys
   * computed by SQL (the same bytes as {@link EventKey}), so chains, hashes and checkpoints are
   * untouched.
   */
  private static void migrateTextKey(Statement statement) throws SQLException {
    boolean old;
    try (ResultSet rs =
        statement.executeQuery(
            "SELECT count(*) FILTER (WHERE column_name = 'event_key'), count(*)"
                + " FROM information_schema.columns WHERE table_schema = 'main'"
                + " AND table_name = 'audit_events'")) {
      rs.next();
      old = rs.getLong(2) > 0 && rs.getLong(1) == 0;
    }
    if (!old) {
      return;
    }
    statement.execute("BEGIN TRANSACTION");
    try {
      statement.execute("ALTER TABLE audit_events RENAME TO audit_events_text_key");
      statement.execute(Schema.DDL.get(0));
      statement.execute(
          "INSERT INTO audit_events SELECT *, "
              + Schema.KEY_SQL
              + " FROM audit_events_text_key"
              + " ORDER BY source_topic, source_partition, chain_seq, source_offset");
      statement.execute("DROP TABLE audit_events_text_key");
      statement.execute("COMMIT");
    } catch (SQLException e) {
      statement.execute("ROLLBACK");
      throw e;
    }
  }
}
