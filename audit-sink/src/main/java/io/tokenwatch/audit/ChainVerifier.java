package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
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
  private byte[] previousHash = ChainHasher.genesis();
  private byte @Nullable [] beforePreviousHash;
  private @Nullable String previousEventId;
  private long previousOffset = -1;
  private @Nullable Finding finding;
  private @Nullable Row pending;

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
    AuditEvent event = record.event();
    return accept(
        new Row(
            record.seq(),
            event.sourceOffset(),
            event.eventId(),
            record.previousHash(),
            record.hash(),
            previous -> hasher.hash(previous, record.seq(), event)));
  }

  /**
   * Checks the next record given its canonical bytes as computed by the store. If they do not hash
   * to the stored hash, {@code fullRecord} supplies the record to recompute them here before
   * anything is reported (so the store's encoding only ever speeds verification up).
   *
   * @param fullRecord the record as stored, or empty if it cannot be read as a valid record
   */
  public boolean accept(
      long seq,
      long offset,
      String eventId,
      byte[] previousHash,
      byte[] hash,
      byte[] canonical,
      Supplier<Optional<AuditEvent>> fullRecord) {
    return accept(
        seq, offset, eventId, previousHash, hash, canonical, 0, canonical.length, fullRecord);
  }

  /**
   * As {@link #accept(long, long, String, byte[], byte[], byte[], Supplier)} with the canonical
   * bytes in {@code bytes[from, from + length)}.
   */
  public boolean accept(
      long seq,
      long offset,
      String eventId,
      byte[] previousHash,
      byte[] hash,
      byte[] bytes,
      int from,
      int length,
      Supplier<Optional<AuditEvent>> fullRecord) {
    return accept(
        new Row(
            seq,
            offset,
            eventId,
            previousHash,
            hash,
            previous -> {
              byte[] fast = hasher.hashCanonical(previous, bytes, from, length);
              if (Arrays.equals(fast, hash)) {
                return fast;
              }
              Optional<AuditEvent> event = fullRecord.get();
              return event.isPresent() ? hasher.hash(previous, seq, event.get()) : fast;
            }));
  }

  /** A record as the checks see it; {@code hashWith} computes its hash chained to a given one. */
  @SuppressWarnings("ArrayRecordComponent")
  private record Row(
      long seq,
      long offset,
      String eventId,
      byte[] previousHash,
      byte[] hash,
      UnaryOperator<byte[]> hashWith) {}

  private boolean accept(Row record) {
    if (finding != null) {
      return false;
    }
    Row suspect = pending;
    if (suspect != null) {
      // the previous record did not match its hash: the next one tells why
      pending = null;
      if (record.seq() == suspect.seq() && verifiesHere(record)) {
        return fail(new Finding.Inserted(chain, suspect.seq(), suspect.eventId()));
      }
      if (record.seq() == suspect.seq() + 1 && record.offset() <= suspect.offset()) {
        return fail(
            new Finding.Reordered(
                chain, record.seq(), record.eventId(), record.offset(), suspect.offset()));
      }
      return fail(new Finding.Altered(chain, suspect.seq(), suspect.eventId()));
    }
    long seq = record.seq();
    if (seq < expectedSeq) {
      return fail(new Finding.Inserted(chain, seq, record.eventId()));
    }
    if (seq > expectedSeq) {
      return fail(new Finding.Missing(chain, expectedSeq, seq - 1));
    }
    if (record.offset() <= previousOffset) {
      return fail(
          new Finding.Reordered(chain, seq, record.eventId(), record.offset(), previousOffset));
    }
    byte[] computed = record.hashWith().apply(record.previousHash());
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
              ? new Finding.Altered(chain, seq, record.eventId())
              : new Finding.Altered(chain, seq - 1, previousId));
    }
    if (watchedSeqs.contains(seq)) {
      watchedHashes.put(seq, HexFormat.of().formatHex(computed));
    }
    beforePreviousHash = previousHash;
    previousHash = computed;
    previousEventId = record.eventId();
    previousOffset = record.offset();
    expectedSeq++;
    return true;
  }

  private boolean verifiesHere(Row record) {
    return record.seq() == expectedSeq
        && record.offset() > previousOffset
        && Arrays.equals(record.previousHash(), previousHash)
        && Arrays.equals(record.hashWith().apply(previousHash), record.hash());
  }

  private boolean fail(Finding found) {
    finding = found;
    return false;
  }

  /** The first finding, if any (call once every record was fed). */
  public Optional<Finding> finding() {
    Row suspect = pending;
    if (finding == null && suspect != null) {
      finding = new Finding.Altered(chain, suspect.seq(), suspect.eventId());
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
