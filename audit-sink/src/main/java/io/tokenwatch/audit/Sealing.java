package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Which signed checkpoint first sealed a record: the first checkpoint whose head for the record's
 * chain is at or past the record's position. A record no checkpoint reaches is chained but not yet
 * sealed. Immutable and thread-safe.
 */
public final class Sealing {

  private final Map<ChainKey, long[][]> byChain;

  private Sealing(Map<ChainKey, long[][]> byChain) {
    this.byChain = byChain;
  }

  /**
   * @param checkpoints every checkpoint, by number (as the store lists them)
   */
  public static Sealing of(List<Checkpoint> checkpoints) {
    requireNonNull(checkpoints, "checkpoints");
    Map<ChainKey, List<long[]>> heads = new HashMap<>();
    for (Checkpoint checkpoint : checkpoints) {
      for (ChainHead head : checkpoint.heads()) {
        List<long[]> chain = heads.computeIfAbsent(head.chain(), k -> new ArrayList<>());
        // Heads only move forward; a checkpoint that repeats a head adds nothing for this chain.
        if (chain.isEmpty() || chain.get(chain.size() - 1)[0] < head.seq()) {
          chain.add(new long[] {head.seq(), checkpoint.number()});
        }
      }
    }
    Map<ChainKey, long[][]> byChain = new HashMap<>();
    heads.forEach((chain, list) -> byChain.put(chain, list.toArray(new long[0][])));
    return new Sealing(byChain);
  }

  /** The number of the first checkpoint that sealed record {@code seq} of {@code chain}, if any. */
  public OptionalLong sealedBy(ChainKey chain, long seq) {
    requireNonNull(chain, "chain");
    long[][] heads = byChain.get(chain);
    if (heads == null) {
      return OptionalLong.empty();
    }
    int low = 0;
    int high = heads.length - 1;
    int found = -1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      if (heads[middle][0] >= seq) {
        found = middle;
        high = middle - 1;
      } else {
        low = middle + 1;
      }
    }
    return found < 0 ? OptionalLong.empty() : OptionalLong.of(heads[found][1]);
  }
}
