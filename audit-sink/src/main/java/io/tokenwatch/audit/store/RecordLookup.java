package io.tokenwatch.audit.store;

import io.tokenwatch.audit.AuditEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** Reads stored records by event id through the key index. Not thread-safe; close after use. */
final class RecordLookup implements AutoCloseable {
  private final EventKey keys = new EventKey();
  private final PreparedStatement full;

  RecordLookup(Connection connection) throws SQLException {
    full =
        connection.prepareStatement(
            "SELECT "
                + Schema.COLUMNS
                + " FROM audit_events WHERE event_key = ?::UUID AND event_id = ?");
  }

  /** The record stored under {@code eventId}, or empty if none can be read as a valid one. */
  Optional<AuditEvent> find(String eventId) {
    try {
      full.setString(1, keys.of(eventId).toString());
      full.setString(2, eventId);
      try (ResultSet rs = full.executeQuery()) {
        return rs.next() ? Optional.of(Rows.event(rs)) : Optional.empty();
      }
    } catch (SQLException | RuntimeException e) {
      // unreadable as a record (e.g. a column edited to an invalid value): it cannot verify
      return Optional.empty();
    }
  }

  @Override
  public void close() throws SQLException {
    full.close();
  }
}
