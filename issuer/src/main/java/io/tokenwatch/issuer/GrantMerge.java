package io.tokenwatch.issuer;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Folds a grant state read from the shared log into the one an instance knows. States are ordered
 * by generation; a revocation is final; two states that disagree about the token of any generation
 * both know are two successors of one generation: a reuse that raced across instances.
 */
public final class GrantMerge {

  private GrantMerge() {}

  /**
   * The merged state and whether it revealed a race.
   *
   * @param state what the instance should know now
   * @param race whether {@code incoming} and the known state rotated one generation differently
   */
  public record Result(RefreshGrantChanged state, boolean race) {}

  /** Merges {@code incoming} into {@code known} (null when the grant was unknown). */
  public static Result merge(@Nullable RefreshGrantChanged known, RefreshGrantChanged incoming) {
    if (known == null) {
      return new Result(incoming, false);
    }
    boolean race = diverge(known.getTokenHashes(), incoming.getTokenHashes());
    if (known.getStatus() != RefreshGrantStatus.ACTIVE) {
      return new Result(known, race); // revocation is monotonic
    }
    if (incoming.getStatus() != RefreshGrantStatus.ACTIVE) {
      return new Result(incoming, race);
    }
    return new Result(incoming.getGeneration() >= known.getGeneration() ? incoming : known, race);
  }

  private static boolean diverge(List<String> a, List<String> b) {
    int common = Math.min(a.size(), b.size());
    for (int i = 0; i < common; i++) {
      if (!a.get(i).equals(b.get(i))) {
        return true;
      }
    }
    return false;
  }
}
