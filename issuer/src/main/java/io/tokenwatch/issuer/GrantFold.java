package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.RefreshGrantStatus;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The one rule by which every issuer instance folds a grant's records, in the order of the grant
 * topic's partition, into the grant's state. The partition is a total order that every instance
 * reads alike, so every instance reaches the same state and the same verdict on every record: a
 * rotation is decided by the log, once, before any instance hands out its token.
 *
 * <p><b>Conditional appends.</b> A record carries the whole state it results in. An ACTIVE record
 * of generation {@code n} names the state it was decided against: generation {@code n - 1} with the
 * first {@code n} token hashes of its own list. It takes effect only if the folded state is that
 * state, still ACTIVE; otherwise it {@link Verdict#LOST lost}: it was decided against a state some
 * other record had already changed (another instance rotated the same token first, or revoked the
 * grant), so the token it presented was spent, and the grant becomes REVOKED (refresh token reuse,
 * RFC 9700). A REVOKED record always takes effect; revocation is monotonic, and no ACTIVE record
 * takes effect after one.
 *
 * <p><b>Compaction.</b> Compaction keeps the last record per grant, so a reader that starts late
 * may see a grant's last record alone, and takes it as the state. That is right after any record
 * that took effect; after a record that lost, the last record still reads ACTIVE. Such a grant is
 * {@link Folded#sealed() unsealed} until a REVOKED record follows: whoever sees it (the instance
 * whose record lost, before it answers; any other instance after a grace period; any instance that
 * starts) appends one. Even unsealed, a late reader accepts no token of that grant: the losing
 * record's newest token hash is of a token never handed out, and every older one is spent.
 *
 * <p>Pure functions, no I/O; thread-safe.
 */
public final class GrantFold {

  private GrantFold() {}

  /** What a record did to the grant it names. */
  public enum Verdict {
    /** The first record known for the grant: a new grant, or a late reader's first sight. */
    OPENED,
    /** A rotation decided against the folded state: it took effect. */
    ROTATED,
    /** The same generation and token hashes as the folded state: nothing changed. */
    UNCHANGED,
    /** A REVOKED (or not understood, treated as REVOKED) record: the grant is revoked. */
    REVOKED,
    /** An ACTIVE record decided against another state than the folded one: the grant is revoked. */
    LOST;

    /** Whether the record took effect as written (a rotation or a grant it opened stands). */
    public boolean tookEffect() {
      return this != LOST;
    }
  }

  /**
   * A grant's folded state.
   *
   * @param state the grant as every reader of the whole log knows it
   * @param sealed whether a reader that sees only the grant's last record agrees: false when the
   *     last record lost (it reads ACTIVE, the grant is REVOKED) until a REVOKED record follows
   */
  public record Folded(RefreshGrantChanged state, boolean sealed) {
    public Folded {
      requireNonNull(state, "state");
    }

    /** Whether the grant may still be refreshed. */
    public boolean active() {
      return state.getStatus() == RefreshGrantStatus.ACTIVE;
    }
  }

  /** One record folded: the grant's state after it, and what the record did. */
  public record Step(Folded folded, Verdict verdict) {
    public Step {
      requireNonNull(folded, "folded");
      requireNonNull(verdict, "verdict");
    }
  }

  /**
   * Folds {@code record} into {@code known}, the grant's folded state before it (null when no
   * record of the grant was read before).
   */
  public static Step fold(@Nullable Folded known, RefreshGrantChanged record) {
    requireNonNull(record, "record");
    boolean active = record.getStatus() == RefreshGrantStatus.ACTIVE;
    if (!active) {
      // A revocation stands whatever it was decided against; the last word is REVOKED.
      return new Step(new Folded(record, true), Verdict.REVOKED);
    }
    if (known == null) {
      return new Step(new Folded(record, true), Verdict.OPENED);
    }
    RefreshGrantChanged current = known.state();
    if (known.active()) {
      if (decidedAgainst(record, current)) {
        return new Step(new Folded(record, true), Verdict.ROTATED);
      }
      if (record.getGeneration() == current.getGeneration()
          && record.getTokenHashes().equals(current.getTokenHashes())) {
        return new Step(known, Verdict.UNCHANGED);
      }
    }
    return new Step(new Folded(revoked(current, record), false), Verdict.LOST);
  }

  /** Whether {@code record} is the rotation of {@code current}: one generation on, same history. */
  private static boolean decidedAgainst(RefreshGrantChanged record, RefreshGrantChanged current) {
    List<String> hashes = record.getTokenHashes();
    List<String> before = current.getTokenHashes();
    return record.getGeneration() == current.getGeneration() + 1
        && hashes.size() == before.size() + 1
        && hashes.subList(0, before.size()).equals(before)
        && record.getClientId().equals(current.getClientId());
  }

  /** The folded state, REVOKED because {@code loser} presented a spent token. */
  private static RefreshGrantChanged revoked(
      RefreshGrantChanged current, RefreshGrantChanged loser) {
    if (current.getStatus() != RefreshGrantStatus.ACTIVE) {
      return current;
    }
    return RefreshGrantChanged.newBuilder(current)
        .setStatus(RefreshGrantStatus.REVOKED)
        .setDetail(
            "generation "
                + (loser.getGeneration() - 1)
                + " was rotated again by "
                + loser.getChangedBy()
                + " after it was spent: refresh token reuse")
        .build();
  }
}
