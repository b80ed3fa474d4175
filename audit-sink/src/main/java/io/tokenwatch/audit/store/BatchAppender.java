package io.tokenwatch.audit.store;

import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.ChainHasher;
import io.tokenwatch.audit.ChainKey;
import java.sql.Connection;
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
import org.jspecify.annotations.Nullable;

/**
 * Appends batches exactly once: rows, chain links and consumer positions in one transaction, the
 * {@link ChainHeads} advanced only after it commits. Not thread-safe: one thread per store.
 *
 * <p>Fencing: the transaction moves each partition's row in {@code audit_partitions} only from the
 * state this store last read or wrote ({@code UPDATE ... WHERE next_offset = ? AND chain_length =
 * ?}, its row count checked; a partition never seen is {@code INSERT}ed, which the primary key
 * refuses if another sink stored it first). A sink that lost a partition to another in a rebalance
 * therefore cannot append to its chain: its batch rolls back with {@link ChainFencedException} and
 * it reads the partitions again. On PostgreSQL a unique chain position backs this up: two rows can
 * never share a place in a chain.
 */
final class BatchAppender {

  private static final int ID_CHUNK = 1000;

  private final Connection connection;
  private final Dialect dialect;
  private final ChainHeads heads;
  private final EventKey eventKey = new EventKey();
  private @Nullable Runnable beforeCommit;

  BatchAppender(Connection connection, Dialect dialect, ChainHeads heads) {
    this.connection = connection;
    this.dialect = dialect;
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
        if (isChainConflict(e)) {
          throw fenced(e);
        }
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
      if (e instanceof SQLException sql && isChainConflict(sql)) {
        throw fenced(sql);
      }
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
    try (Dialect.EventRows rows = dialect.rows(connection)) {
      for (int i = 0; i < events.size(); i++) {
        AuditEvent event = events.get(i);
        ChainKey chain = event.chain();
        PartitionState state = next.get(chain);
        if (state == null) {
          state = heads.get(chain);
        }
        long seq = state.chainLength();
        byte[] hash = hasher.hash(state.headHash(), seq, event);
        rows.add(event, seq, state.headHash(), hash, keys.get(i));
        next.put(
            chain,
            new PartitionState(
                chain, Math.max(state.nextOffset(), event.sourceOffset() + 1), seq + 1, hash));
      }
      rows.finish();
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
    movePartitions(next);
    Runnable hook = beforeCommit;
    if (hook != null) {
      hook.run();
    }
    connection.commit();
    connection.setAutoCommit(true);
    heads.putAll(next);
    return new AppendResult(events.size(), duplicates, collisions);
  }

  /**
   * Moves each partition's row from the state last read to {@code next}, refusing the batch when a
   * row is not where this store left it.
   */
  private void movePartitions(Map<ChainKey, PartitionState> next) throws SQLException {
    try (PreparedStatement update =
            connection.prepareStatement(
                "UPDATE audit_partitions SET next_offset = ?, chain_length = ?, head_hash = ?"
                    + " WHERE source_topic = ? AND source_partition = ? AND next_offset = ?"
                    + " AND chain_length = ?");
        PreparedStatement insert =
            connection.prepareStatement("INSERT INTO audit_partitions VALUES (?, ?, ?, ?, ?)")) {
      for (PartitionState state : next.values()) {
        PartitionState read = heads.stored(state.chain());
        if (read == null) {
          insert.setString(1, state.chain().topic());
          insert.setInt(2, state.chain().partition());
          insert.setLong(3, state.nextOffset());
          insert.setLong(4, state.chainLength());
          insert.setBytes(5, state.headHash());
          insert.executeUpdate();
          continue;
        }
        update.setLong(1, state.nextOffset());
        update.setLong(2, state.chainLength());
        update.setBytes(3, state.headHash());
        update.setString(4, state.chain().topic());
        update.setInt(5, state.chain().partition());
        update.setLong(6, read.nextOffset());
        update.setLong(7, read.chainLength());
        if (update.executeUpdate() != 1) {
          throw new SQLException(
              "partition " + state.chain() + " moved since this store read it", FENCED_STATE);
        }
      }
    }
  }

  /** An SQLSTATE of this class's own: a partition row not where this store left it. */
  private static final String FENCED_STATE = "TW001";

  /** Whether {@code e} says another writer moved a chain (its head or a position in it). */
  private static boolean isChainConflict(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        if (FENCED_STATE.equals(sql.getSQLState())) {
          return true;
        }
        String message = String.valueOf(sql.getMessage());
        if (message.contains("audit_events_chain_position")
            || message.contains("audit_partitions_pkey")) {
          return true;
        }
        SQLException next = sql.getNextException();
        if (next != null && next != t && isChainConflict(next)) {
          return true;
        }
      }
    }
    return false;
  }

  private ChainFencedException fenced(SQLException e) {
    heads.load(connection, "after a refused batch");
    return new ChainFencedException(
        "another sink extended a chain of this batch; nothing was stored, partitions read again: "
            + e.getMessage(),
        e);
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
