package io.tokenwatch.audit.store;

import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.ChainVerifier;
import io.tokenwatch.audit.StoredRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Reads the stored chains back: in position order one chain at a time, or as one raw scan. */
final class ChainReader {

  private final Connection connection;

  ChainReader(Connection connection) {
    this.connection = connection;
  }

  /** See {@link AuditStore#chains}. */
  List<ChainKey> chains() {
    List<ChainKey> chains = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT DISTINCT source_topic, source_partition FROM audit_events"
                    + " ORDER BY source_topic, source_partition")) {
      while (rs.next()) {
        chains.add(new ChainKey(rs.getString(1), rs.getInt(2)));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot list chains: " + e.getMessage(), e);
    }
    return chains;
  }

  /** See {@link AuditStore#forEachInChain}. */
  void forEachInChain(ChainKey chain, Consumer<StoredRecord> action) {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT "
                + Schema.COLUMNS
                + " FROM audit_events WHERE source_topic = ? AND source_partition = ?"
                + " ORDER BY chain_seq, source_offset")) {
      select.setString(1, chain.topic());
      select.setInt(2, chain.partition());
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          action.accept(Rows.stored(rs));
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read chain " + chain + ": " + e.getMessage(), e);
    }
  }

  /** See {@link AuditStore#verifyChain}. */
  void verifyChain(ChainVerifier verifier) {
    ChainKey chain = verifier.chain();
    try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT chain_seq, source_offset, event_id, prev_hash, hash, "
                    + CanonicalSql.EXPRESSION
                    + " FROM audit_events WHERE source_topic = ? AND source_partition = ?"
                    + " ORDER BY chain_seq, source_offset");
        RecordLookup lookup = new RecordLookup(connection)) {
      select.setString(1, chain.topic());
      select.setInt(2, chain.partition());
      try (ResultSet rs = select.executeQuery()) {
        boolean more = true;
        while (more && rs.next()) {
          String eventId = rs.getString(3);
          more =
              verifier.accept(
                  rs.getLong(1),
                  rs.getLong(2),
                  eventId,
                  rs.getBytes(4),
                  rs.getBytes(5),
                  rs.getBytes(6),
                  () -> lookup.find(eventId));
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read chain " + chain + ": " + e.getMessage(), e);
    }
  }

  /** See {@link AuditStore#scanForVerification}. */
  void scanForVerification(int batchSize, Consumer<List<byte[]>> batches) {
    try (Statement select = connection.createStatement();
        ResultSet rs =
            select.executeQuery(
                "SELECT prev_hash || hash || " + CanonicalSql.EXPRESSION + " FROM audit_events")) {
      List<byte[]> batch = new ArrayList<>(batchSize);
      while (rs.next()) {
        batch.add(rs.getBytes(1));
        if (batch.size() == batchSize) {
          batches.accept(batch);
          batch = new ArrayList<>(batchSize);
        }
      }
      if (!batch.isEmpty()) {
        batches.accept(batch);
      }
    } catch (SQLException e) {
      throw new StoreException("cannot scan the audit store: " + e.getMessage(), e);
    }
  }

  /** See {@link AuditStore#count}. */
  long count() {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT count(*) FROM audit_events")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("cannot count events: " + e.getMessage(), e);
    }
  }
}
