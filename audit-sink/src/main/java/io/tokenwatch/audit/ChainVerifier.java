package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Verifies one chain, fed its stored records in position order. Stops at the first finding (the
 * records after it cannot be trusted either). Not thread-safe; verify chains in parallel with one
 * verifier each.
 *
 * <p>Checks, per record: its position follows the previous one (a gap is {@link Finding.Missing}, a
 * repeated position {@link Finding.Inserted}); its source offset is above the previous one ({@link
 * Finding.Reordered}); its hash matches its content ({@link Finding.Altered}); it links to the
 * previous record's hash (if it links to the one before that, the previous record was {@link
 * Finding.Inserted}, otherwise it was replaced: {@link Finding.Altered}).
 */
public final class ChainVerifier {

  private final ChainKey chain;
  private final Set<Long> watchedSeqs;
  private final Map<Long, String> watchedHashes = new HashMap<>();
  private final ChainHasher hasher = new ChainHasher();
  private long expectedSeq;
  private byte[] previousHash = ChainHasher.GENESIS;
  private byte @Nullable [] beforePreviousHash;
  private @Nullable String previousEventId;
  private long previousOffset = -1;
  private @Nullable Finding finding;
  private @Nullable StoredRecord pending;

  /**
   * @param chain the chain verified
   * @param watchedSeqs positions whose hashes {@link #hashAt} should report (checkpoint heads)
   */
  public ChainVerifier(ChainKey chain, Set<Long> watchedSeqs) {
    this.chain = requireNonNull(chain, "chain");
    this.watchedSeqs = Set.copyOf(watchedSeqs);
  }

  /** Checks the next record; returns false once a finding was made (further calls are ignored). */
  public boolean accept(StoredRecord record) {
    if (finding != null) {
      return false;
    }
    StoredRecord suspect = pending;
    if (suspect != null) {
      // the previous record did not match its hash: the next one tells why
      pending = null;
      AuditEvent event = record.event();
      if (record.seq() == suspect.seq() && verifiesHere(record)) {
        return fail(new Finding.Inserted(chain, suspect.seq(), suspect.event().eventId()));
      }
      if (record.seq() == suspect.seq() + 1
          && event.sourceOffset() <= suspect.event().sourceOffset()) {
        return fail(
            new Finding.Reordered(
                chain,
                record.seq(),
                event.eventId(),
                event.sourceOffset(),
                suspect.event().sourceOffset()));
      }
      return fail(new Finding.Altered(chain, suspect.seq(), suspect.event().eventId()));
    }
    AuditEvent event = record.event();
    long seq = record.seq();
    if (seq < expectedSeq) {
      return fail(new Finding.Inserted(chain, seq, event.eventId()));
    }
    if (seq > expectedSeq) {
      return fail(new Finding.Missing(chain, expectedSeq, seq - 1));
    }
    if (event.sourceOffset() <= previousOffset) {
      return fail(
          new Finding.Reordered(chain, seq, event.eventId(), event.sourceOffset(), previousOffset));
    }
    byte[] computed = hasher.hash(record.previousHash(), seq, event);
    if (!Arrays.equals(computed, record.hash())) {
      pending = record;
      return true;
    }
    if (!Arrays.equals(record.previousHash(), previousHash)) {
      String previousId = previousEventId == null ? "?" : previousEventId;
      if (beforePreviousHash != null && Arrays.equals(record.previousHash(), beforePreviousHash)) {
        return fail(new Finding.Inserted(chain, seq - 1, previousId));
      }
      return fail(
          seq == 0
              ? new Finding.Altered(chain, seq, event.eventId())
              : new Finding.Altered(chain, seq - 1, previousId));
    }
    if (watchedSeqs.contains(seq)) {
      watchedHashes.put(seq, HexFormat.of().formatHex(computed));
    }
    beforePreviousHash = previousHash;
    previousHash = computed;
    previousEventId = event.eventId();
    previousOffset = event.sourceOffset();
    expectedSeq++;
    return true;
  }

  private boolean verifiesHere(StoredRecord record) {
    return record.seq() == expectedSeq
        && record.event().sourceOffset() > previousOffset
        && Arrays.equals(record.previousHash(), previousHash)
        && Arrays.equals(hasher.hash(previousHash, record.seq(), record.event()), record.hash());
  }

  private boolean fail(Finding found) {
    finding = found;
    return false;
  }

  /** The first finding, if any (call once every record was fed). */
  public Optional<Finding> finding() {
    StoredRecord suspect = pending;
    if (finding == null && suspect != null) {
      finding = new Finding.Altered(chain, suspect.seq(), suspect.event().eventId());
      pending = null;
    }
    return Optional.ofNullable(finding);
  }

  /** The chain verified. */
  public ChainKey chain() {
    return chain;
  }

  /** How many records verified before any finding. */
  public long verified() {
    return expectedSeq;
  }

  /** The verified hash at a watched position, if the chain reached it. */
  public Optional<String> hashAt(long seq) {
    return Optional.ofNullable(watchedHashes.get(seq));
  }
}
