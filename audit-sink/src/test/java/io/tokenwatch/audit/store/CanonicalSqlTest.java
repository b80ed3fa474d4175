package io.tokenwatch.audit.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.CanonicalEncoding;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.StoredRecord;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CanonicalSqlTest {

  @TempDir Path dir;

  private static AuditEvent event(
      String id,
      long occurredAt,
      String subject,
      List<String> scopes,
      Long expiresAt,
      long offset,
      String json) {
    return new AuditEvent(
        id,
        "TokenIssued",
        occurredAt,
        subject,
        null,
        "tök-" + id,
        null,
        "urn:ä",
        null,
        scopes,
        null,
        "reason with spaces",
        "p",
        "1",
        null,
        expiresAt,
        "tokenwatch.token-issued",
        3,
        offset,
        json);
  }

  @Test
  void shouldComputeTheJavaCanonicalBytesInSql() throws Exception {
    List<AuditEvent> events =
        List.of(
            event("a", 0, null, List.of(), null, 0, "{}"),
            event("b", -1_000, "ünïcödé 🎉", List.of("read"), 5L, 1, "{\"x\":\"\\u0000\"}"),
            event(
                "c",
                AuditEvent.MAX_TIME,
                "",
                List.of("a:b", "c/d", "e~!"),
                -7L,
                2,
                "x".repeat(5000)),
            event("d", 1_767_225_600_000L, "日本語", List.of("s"), AuditEvent.MIN_TIME, 3, "[]"));
    try (AuditStore store = AuditStore.openReadWrite(dir.resolve("a.duckdb"))) {
      store.append(events, Map.of(new ChainKey("tokenwatch.token-issued", 3), 4L));
      List<StoredRecord> stored = new ArrayList<>();
      store.forEachInChain(new ChainKey("tokenwatch.token-issued", 3), stored::add);
      try (PreparedStatement select =
          store
              .connection()
              .prepareStatement(
                  "SELECT " + CanonicalSql.EXPRESSION + " FROM audit_events WHERE event_id = ?")) {
        CanonicalEncoding encoding = new CanonicalEncoding();
        for (StoredRecord record : stored) {
          select.setString(1, record.event().eventId());
          try (ResultSet rs = select.executeQuery()) {
            rs.next();
            assertThat(rs.getBytes(1))
                .as(record.event().eventId())
                .isEqualTo(encoding.encode(record.event(), record.seq()));
          }
        }
      }
    }
  }
}
