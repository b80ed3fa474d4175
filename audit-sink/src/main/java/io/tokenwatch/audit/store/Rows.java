package io.tokenwatch.audit.store;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.StoredRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Maps rows selected with {@link Schema#COLUMNS} to records. */
final class Rows {

  private Rows() {}

  static StoredRecord stored(ResultSet rs) throws SQLException {
    AuditEvent event = event(rs);
    return new StoredRecord(event, rs.getLong(21), rs.getBytes(22), rs.getBytes(23));
  }

  static AuditEvent event(ResultSet rs) throws SQLException {
    return new AuditEvent(
        rs.getString(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        scopes(rs.getString(10)),
        rs.getString(11),
        rs.getString(12),
        rs.getString(13),
        rs.getString(14),
        rs.getString(15),
        nullableLong(rs, 16),
        rs.getString(17),
        rs.getInt(18),
        rs.getLong(19),
        rs.getString(20));
  }

  private static @Nullable Long nullableLong(ResultSet rs, int column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  private static List<String> scopes(@Nullable String scope) {
    if (scope == null || scope.isEmpty()) {
      return List.of();
    }
    return List.of(scope.split(" ", -1));
  }
}
