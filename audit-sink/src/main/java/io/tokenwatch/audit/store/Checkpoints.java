package io.tokenwatch.audit.store;

import io.tokenwatch.audit.ChainHead;
import io.tokenwatch.audit.ChainKey;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.CheckpointSigner;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The signed checkpoints ({@code audit_checkpoints}): reading them, and sealing the chain heads as
 * the next one when records were appended since the last. Sealing reads the last checkpoint and
 * every chain head from the store in one transaction (under the dialect's lock where several sinks
 * write), so checkpoints form one sequence whoever seals. Not thread-safe.
 */
final class Checkpoints {

  private final Connection connection;
  private final Dialect dialect;
  private @Nullable Checkpoint last;
  private long appendedSinceLast;

  Checkpoints(Connection connection, Dialect dialect) {
    this.connection = connection;
    this.dialect = dialect;
  }

  /** Reads the last checkpoint; {@code records} is how many the chains hold now. */
  void load(long records) {
    List<Checkpoint> all = all();
    last = all.isEmpty() ? null : all.get(all.size() - 1);
    appendedSinceLast = records - (last == null ? 0 : last.records());
  }

  /** Starts from {@code other}'s last checkpoint, counting nothing appended since. */
  void startFrom(Checkpoints other) {
    last = other.last;
    appendedSinceLast = 0;
  }

  /** Counts records a committed batch appended. */
  void appended(int records) {
    appendedSinceLast += records;
  }

  long appendedSinceLast() {
    return appendedSinceLast;
  }

  Optional<Checkpoint> last() {
    return Optional.ofNullable(last);
  }

  /** See {@link AuditStore#checkpoint}. */
  Optional<Checkpoint> seal(CheckpointSigner signer, long nowMillis) {
    try {
      connection.setAutoCommit(false);
      try {
        String lock = dialect.lockForSealing();
        if (lock != null) {
          Dialect.execute(connection, lock);
        }
        List<Checkpoint> stored = all();
        Checkpoint previous = stored.isEmpty() ? null : stored.get(stored.size() - 1);
        List<ChainHead> heads = storedHeads();
        long records = heads.stream().mapToLong(head -> head.seq() + 1).sum();
        Optional<Checkpoint> sealed = Optional.empty();
        if (!heads.isEmpty() && (previous == null || previous.records() != records)) {
          Checkpoint checkpoint =
              signer.sign(
                  previous == null ? 1 : previous.number() + 1,
                  nowMillis,
                  previous == null ? Checkpoint.GENESIS_DIGEST : previous.digest(),
                  heads);
          insert(checkpoint);
          sealed = Optional.of(checkpoint);
          previous = checkpoint;
        }
        connection.commit();
        last = previous;
        appendedSinceLast = 0;
        return sealed;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException("cannot seal a checkpoint: " + e.getMessage(), e);
    }
  }

  /** The head of every non-empty chain as committed, sorted. */
  private List<ChainHead> storedHeads() throws SQLException {
    Map<ChainKey, ChainHead> heads = new TreeMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT source_topic, source_partition, chain_length, head_hash"
                    + " FROM audit_partitions WHERE chain_length > 0")) {
      while (rs.next()) {
        ChainKey chain = new ChainKey(rs.getString(1), rs.getInt(2));
        heads.put(chain, ChainHead.of(chain, rs.getLong(3) - 1, rs.getBytes(4)));
      }
    }
    return new ArrayList<>(heads.values());
  }

  private void insert(Checkpoint checkpoint) {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO audit_checkpoints VALUES (?, epoch_ms(?::BIGINT), ?, ?, ?, ?, ?)")) {
      insert.setLong(1, checkpoint.number());
      insert.setLong(2, checkpoint.createdAt());
      insert.setString(3, checkpoint.previousDigest());
      insert.setString(4, checkpoint.keyId());
      insert.setString(5, CheckpointText.heads(checkpoint.heads()));
      insert.setLong(6, checkpoint.records());
      insert.setBytes(7, checkpoint.signature());
      insert.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot store checkpoint: " + e.getMessage(), e);
    }
  }

  /** Every stored checkpoint, by number. */
  List<Checkpoint> all() {
    List<Checkpoint> checkpoints = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT number, epoch_ms(created_at), previous_digest, key_id, heads, signature"
                    + " FROM audit_checkpoints ORDER BY number")) {
      while (rs.next()) {
        checkpoints.add(
            new Checkpoint(
                rs.getLong(1),
                rs.getLong(2),
                rs.getString(3),
                rs.getString(4),
                CheckpointText.parseHeads(rs.getString(5)),
                rs.getBytes(6)));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read checkpoints: " + e.getMessage(), e);
    }
    return checkpoints;
  }
}
