package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.HexFormat;

/**
 * The last record of a chain: its position and hash.
 *
 * @param chain the chain
 * @param seq the position of the last record (the chain holds {@code seq + 1} records)
 * @param hash its hash, lower-case hex
 */
public record ChainHead(ChainKey chain, long seq, String hash) {
  public ChainHead {
    requireNonNull(chain, "chain");
    requireNonNull(hash, "hash");
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0: " + seq);
    }
  }

  /** A head from a raw hash. */
  public static ChainHead of(ChainKey chain, long seq, byte[] hash) {
    return new ChainHead(chain, seq, HexFormat.of().formatHex(hash));
  }
}
