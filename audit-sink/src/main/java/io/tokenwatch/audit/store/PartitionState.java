package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.ChainKey;

/**
 * What the store holds of one source partition, committed with the rows: the next offset to consume
 * and the chain's length and head hash.
 *
 * @param chain the source partition
 * @param nextOffset the offset to resume consuming from
 * @param chainLength records in the chain (the next record's position)
 * @param headHash the hash of the last record (genesis when empty)
 */
@SuppressWarnings("ArrayRecordComponent")
public record PartitionState(ChainKey chain, long nextOffset, long chainLength, byte[] headHash) {
  public PartitionState {
    requireNonNull(chain, "chain");
    requireNonNull(headHash, "headHash");
  }
}
