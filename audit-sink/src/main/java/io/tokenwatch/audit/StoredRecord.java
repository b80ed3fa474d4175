package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

/**
 * An audit event as stored: its position in its chain, the previous record's hash and its own.
 *
 * @param event the event
 * @param seq its position in its chain, from 0
 * @param previousHash the hash of the record before it ({@link ChainHasher#genesis()} at seq 0)
 * @param hash {@code SHA-256(previousHash || canonical bytes)}
 */
@SuppressWarnings("ArrayRecordComponent") // hashes are compared with Arrays.equals where needed
public record StoredRecord(AuditEvent event, long seq, byte[] previousHash, byte[] hash) {
  public StoredRecord {
    requireNonNull(event, "event");
    requireNonNull(previousHash, "previousHash");
    requireNonNull(hash, "hash");
  }
}
