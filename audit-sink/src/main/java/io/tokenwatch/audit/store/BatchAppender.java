package io.tokenwatch.audit.store;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainHasher;
import io.tokenwatch.audit.ChainKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.jspecify.annotations.Nullable;

/**
 * Appends batches exactly once: rows, chain links and consumer positions in one transaction, the
 * {@link ChainHeads} advanced only after it commits. Not thread-safe: the single writer of a store.
 */
final class BatchAppender {

  private static final int ID_CHUNK = 1000;

  private final DuckDBConnection connection;
  private final ChainHeads heads;
  private final EventKey eventKey = new EventKey();
  private @Nullable Runnable beforeCommit;

  BatchAppender(DuckDBConnection connection, ChainHeads heads) {
    this.connection = connection;
    this.heads = heads;
  }

  /** Runs {@code hook} after a batch is written and before it commits (for crash tests). */
  void beforeCommit(@Nullable Runnable hook) {
    this.beforeCommit = hook;
  }

  /** See {@link AuditStore#append}. */
  AppendResult append(List<AuditEvent> events, Map<ChainKey, Long> nextOffsets) {
    // dedupe within the batch by key, telling a repeated id from a different id with its key
    List<AuditEvent> unique = new ArrayList<>(events.size());
    List<UUID> keys = new ArrayList<>(events.size());
    Map<UUID, String> inBatch = new HashMap<>(events.size() * 2);
    List<String> collisions = new ArrayList<>();
    for (AuditEvent event : events) {
      UUID key = eventKey.of(event.eventId());
      String holder = inBatch.putIfAbsent(key, event.eventId());
      if (holder == null) {
        unique.add(event);
        keys.add(key);
      } else if (!holder.equals(event.eventId())) {
        collisions.add(event.eventId());
      }
    }
    try {
      try {
        return write(
            unique,
            keys,
            events.size() - unique.size() - collisions.size(),
            collisions,
            nextOffsets);
      } catch (SQLException e) {
        rollbackQuietly();
        if (!isConstraintViolation(e)) {
          throw e;
        }
      }
      // Rare: an event id already stored (a producer retry or a replayed topic). Find them first.
      Map<UUID, String> existing = existingKeys(keys);
      List<AuditEvent> fresh = new ArrayList<>(unique.size());
      List<UUID> freshKeys = new ArrayList<>(unique.size());
      for (int i = 0; i < unique.size(); i++) {
        AuditEvent event = unique.get(i);
        String holder = existing.get(keys.get(i));
        if (holder == null) {
          fresh.add(event);
          freshKeys.add(keys.get(i));
        } else if (!holder.equals(event.eventId())) {
          collisions.add(event.eventId());
        }
      }
      return write(
          fresh,
          freshKeys,
          events.size() - fresh.size() - collisions.size(),
          collisions,
          nextOffsets);
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly();
      throw e instanceof StoreException se
          ? se
          : new StoreException("cannot append to the audit store: " + e.getMessage(), e);
    }
  }

  private AppendResult write(
      List<AuditEvent> events,
      List<UUID> keys,
      int duplicates,
      List<String> collisions,
      Map<ChainKey, Long> nextOffsets)
      throws SQLException {
    connection.setAutoCommit(false);
    try (Statement begin = connection.createStatement()) {
      // the appender joins the transaction only once a statement has opened it
      begin.execute("SELECT 1");
    }
    Map<ChainKey, PartitionState> next = new HashMap<>();
    ChainHasher hasher = new ChainHasher();
    try (DuckDBAppender appender = connection.createAppender("main", "audit_events")) {
      for (int i = 0; i < events.size(); i++) {
        AuditEvent event = events.get(i);
        ChainKey chain = event.chain();
        PartitionState state = next.get(chain);
        if (state == null) {
          state = heads.get(chain);
        }
        long seq = state.chainLength();
        byte[] hash = hasher.hash(state.headHash(), seq, event);
        appendRow(appender, event, seq, state.headHash(), hash, keys.get(i));
        next.put(
            chain,
            new PartitionState(
                chain, Math.max(state.nextOffset(), event.sourceOffset() + 1), seq + 1, hash));
      }
      appender.flush();
    }
    for (Map.Entry<ChainKey, Long> position : nextOffsets.entrySet()) {
      ChainKey chain = position.getKey();
      PartitionState state = next.get(chain);
      if (state == null) {
        state = heads.get(chain);
      }
      next.put(
          chain,
          new PartitionState(
              chain,
              Math.max(state.nextOffset(), position.getValue()),
              state.chainLength(),
              state.headHash()));
    }
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT OR REPLACE INTO audit_partitions VALUES (?, ?, ?, ?, ?)")) {
      for (PartitionState state : next.values()) {
        upsert.setString(1, state.chain().topic());
        upsert.setInt(2, state.chain().partition());
        upsert.setLong(3, state.nextOffset());
        upsert.setLong(4, state.chainLength());
        upsert.setBytes(5, state.headHash());
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
    Runnable hook = beforeCommit;
    if (hook != null) {
      hook.run();
    }
    connection.commit();
    connection.setAutoCommit(true);
    heads.putAll(next);
    return new AppendResult(events.size(), duplicates, collisions);
  }

  private static void appendRow(
      DuckDBAppender appender, AuditEvent event, long seq, byte[] previous, byte[] hash, UUID key)
      throws SQLException {
    appender.beginRow();
    appender.append(event.eventId());
    appender.append(event.eventType());
    appender.appendEpochMillis(event.occurredAt());
    appendNullable(appender, event.subject());
    appendNullable(appender, event.clientId());
    appendNullable(appender, event.tokenId());
    appendNullable(appender, event.grantId());
    appendNullable(appender, event.audience());
    appendNullable(appender, event.grantType());
    appender.append(String.join(" ", event.scopes()));
    appendNullable(appender, event.decision());
    appendNullable(appender, event.reason());
    appendNullable(appender, event.policyId());
    appendNullable(appender, event.policyVersion());
    appendNullable(appender, event.actor());
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

  private static void appendNullable(DuckDBAppender appender, @Nullable String value)
      throws SQLException {
    if (value == null) {
      appender.appendNull();
    } else {
      appender.append(value);
    }
  }

  private static boolean isConstraintViolation(SQLException e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return message.contains("constraint") || message.contains("duplicate key");
  }

  /** The stored event id of each of {@code keys} that is stored. */
  private Map<UUID, String> existingKeys(List<UUID> keys) throws SQLException {
    connection.setAutoCommit(true);
    Map<UUID, String> existing = new HashMap<>();
    for (int from = 0; from < keys.size(); from += ID_CHUNK) {
      List<UUID> chunk = keys.subList(from, Math.min(keys.size(), from + ID_CHUNK));
      String marks = String.join(", ", Collections.nCopies(chunk.size(), "?::UUID"));
      try (PreparedStatement select =
          connection.prepareStatement(
              "SELECT event_key::VARCHAR, event_id FROM audit_events WHERE event_key IN ("
                  + marks
                  + ")")) {
        for (int i = 0; i < chunk.size(); i++) {
          select.setString(i + 1, chunk.get(i).toString());
        }
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            existing.put(UUID.fromString(rs.getString(1)), rs.getString(2));
          }
        }
      }
    }
    return existing;
  }

  private void rollbackQuietly() {
    try {
      if (!connection.getAutoCommit()) {
        connection.rollback();
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      // the connection is unusable; the next call reports it
    }
  }
}
