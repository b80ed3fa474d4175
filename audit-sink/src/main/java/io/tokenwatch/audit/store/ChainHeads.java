package io.tokenwatch.audit.store;

import io.tokenwatch.audit.ChainHasher;
import io.tokenwatch.audit.ChainHead;
import io.tokenwatch.audit.ChainKey;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The committed state of every source partition ({@code audit_partitions}) as this connection last
 * read or wrote it: where each chain ends and where to resume consuming. Only {@link BatchAppender}
 * changes it, after its transaction commits. Not thread-safe.
 */
final class ChainHeads {

  private final Map<ChainKey, PartitionState> partitions = new TreeMap<>();

  /** Replaces what is held with what the store holds. */
  void load(Connection connection, String store) {
    partitions.clear();
    try (Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT source_topic, source_partition, next_offset, chain_length, head_hash"
                    + " FROM audit_partitions")) {
      while (rs.next()) {
        ChainKey chain = new ChainKey(rs.getString(1), rs.getInt(2));
        partitions.put(
            chain, new PartitionState(chain, rs.getLong(3), rs.getLong(4), rs.getBytes(5)));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the audit store " + store + ": " + e.getMessage(), e);
    }
  }

  /** The state of {@code chain}, or an empty chain from genesis if it was never seen. */
  PartitionState get(ChainKey chain) {
    PartitionState state = partitions.get(chain);
    return state != null ? state : new PartitionState(chain, 0, 0, ChainHasher.genesis());
  }

  /** Takes the states of a committed batch. */
  void putAll(Map<ChainKey, PartitionState> committed) {
    partitions.putAll(committed);
  }

  /** The state of {@code chain} as last read or written, or null if it was never seen. */
  @Nullable PartitionState stored(ChainKey chain) {
    return partitions.get(chain);
  }

  /** Every partition, sorted, read-only. */
  Map<ChainKey, PartitionState> view() {
    return Collections.unmodifiableMap(partitions);
  }

  /** The head of every non-empty chain, sorted: what a checkpoint signs. */
  List<ChainHead> heads() {
    List<ChainHead> heads = new ArrayList<>();
    for (PartitionState state : partitions.values()) {
      if (state.chainLength() > 0) {
        heads.add(ChainHead.of(state.chain(), state.chainLength() - 1, state.headHash()));
      }
    }
    return heads;
  }

  /** Records in all chains. */
  long records() {
    return partitions.values().stream().mapToLong(PartitionState::chainLength).sum();
  }
}
