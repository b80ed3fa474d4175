package io.tokenwatch.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** {@link Sealing} answers as a plain scan over the checkpoints, oldest first, would. */
class SealingPropertiesTest {

  private static final List<ChainKey> CHAINS =
      List.of(
          new ChainKey("tokenwatch.token-issued", 0),
          new ChainKey("tokenwatch.token-issued", 1),
          new ChainKey("tokenwatch.token-used", 0));

  @Property
  void shouldNameTheFirstCheckpointWhoseHeadReachesTheRecord(
      @ForAll @Size(max = 12) List<@Size(3) List<@IntRange(min = 0, max = 4) Integer>> steps,
      @ForAll @IntRange(min = 0, max = 2) int chain,
      @ForAll @IntRange(min = 0, max = 60) int seq) {
    // Each checkpoint moves every chain's head forward by 0 to 4 records; a head that has not
    // started yet (no record) is left out of the checkpoint, as the store does.
    long[] heads = {-1, -1, -1};
    List<Checkpoint> checkpoints = new ArrayList<>();
    for (List<Integer> step : steps) {
      List<ChainHead> signed = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        heads[c] += step.get(c);
        if (heads[c] >= 0) {
          signed.add(new ChainHead(CHAINS.get(c), heads[c], "00".repeat(32)));
        }
      }
      checkpoints.add(
          new Checkpoint(
              checkpoints.size() + 1, 0, Checkpoint.GENESIS_DIGEST, "k", signed, new byte[64]));
    }

    OptionalLong expected = OptionalLong.empty();
    for (Checkpoint checkpoint : checkpoints) {
      boolean reaches =
          checkpoint.heads().stream()
              .anyMatch(h -> h.chain().equals(CHAINS.get(chain)) && h.seq() >= seq);
      if (reaches) {
        expected = OptionalLong.of(checkpoint.number());
        break;
      }
    }

    assertThat(Sealing.of(checkpoints).sealedBy(CHAINS.get(chain), seq)).isEqualTo(expected);
  }
}
