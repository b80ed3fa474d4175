package io.tokenwatch.audit.store;

import io.tokenwatch.audit.ChainHead;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.audit.CheckpointSigner;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The signed checkpoints ({@code audit_checkpoints}): reading them, and sealing the chain heads as
 * the next one when records were appended since the last. Not thread-safe.
 */
final class Checkpoints {

  private final Connection connection;
  private @Nullable Checkpoint last;
  private long appendedSinceLast;

  Checkpoints(Connection connection) {
    this.connection = connection;
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

  /** See {@link AuditStore#checkpoint}; {@code heads} are the heads of the non-empty chains. */
  Optional<Checkpoint> seal(CheckpointSigner signer, long nowMillis, List<ChainHead> heads) {
    Checkpoint previous = last;
    if (heads.isEmpty() || (previous != null && appendedSinceLast == 0)) {
      return Optional.empty();
    }
    Checkpoint checkpoint =
        signer.sign(
            previous == null ? 1 : previous.number() + 1,
            nowMillis,
            previous == null ? Checkpoint.GENESIS_DIGEST : previous.digest(),
            heads);
    insert(checkpoint);
    last = checkpoint;
    appendedSinceLast = 0;
    return Optional.of(checkpoint);
  }

  private void insert(Checkpoint checkpoint) {
    try (PreparedStatement insert =
        connection.prepareStatement("INSERT INTO audit_checkpoints VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      insert.setLong(1, checkpoint.number());
      insert.setTimestamp(2, new Timestamp(checkpoint.createdAt()));
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
