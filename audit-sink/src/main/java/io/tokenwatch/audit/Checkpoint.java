package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * A signed statement of every chain head at one moment. Checkpoints are numbered from 1 and each
 * names the digest of the one before ({@link #GENESIS_DIGEST} for the first), so removing or
 * reordering checkpoints is detected too.
 *
 * <p>The signed bytes ({@link #signedBytes()}) are UTF-8 text:
 *
 * <pre>
 * tokenwatch-audit-checkpoint/1\n
 * number\n created_at_millis\n previous_digest_hex\n key_id\n
 * (topic\tpartition\tseq\thash_hex\n)*   -- heads sorted by topic, then partition
 * </pre>
 *
 * The signature is Ed25519 over those bytes; the digest is SHA-256 of them.
 *
 * @param number the checkpoint number, from 1
 * @param createdAt when it was made, epoch milliseconds
 * @param previousDigest the digest of the previous checkpoint, hex
 * @param keyId the id of the signing key (first 16 hex digits of SHA-256 of the public key)
 * @param heads every chain head, sorted
 * @param signature the Ed25519 signature of {@link #signedBytes()}
 */
@SuppressWarnings("ArrayRecordComponent")
public record Checkpoint(
    long number,
    long createdAt,
    String previousDigest,
    String keyId,
    List<ChainHead> heads,
    byte[] signature) {

  /** The previous digest of the first checkpoint: 64 zeros. */
  public static final String GENESIS_DIGEST = "0".repeat(64);

  public Checkpoint {
    requireNonNull(previousDigest, "previousDigest");
    requireNonNull(keyId, "keyId");
    heads =
        requireNonNull(heads, "heads").stream()
            .sorted(Comparator.comparing(ChainHead::chain))
            .toList();
    requireNonNull(signature, "signature");
    if (number < 1) {
      throw new IllegalArgumentException("number must be >= 1: " + number);
    }
  }

  /** The bytes the signature covers. */
  public byte[] signedBytes() {
    return signedBytes(number, createdAt, previousDigest, keyId, heads);
  }

  static byte[] signedBytes(
      long number, long createdAt, String previousDigest, String keyId, List<ChainHead> heads) {
    StringBuilder text = new StringBuilder(128 + heads.size() * 100);
    text.append("tokenwatch-audit-checkpoint/1\n")
        .append(number)
        .append('\n')
        .append(createdAt)
        .append('\n')
        .append(previousDigest)
        .append('\n')
        .append(keyId)
        .append('\n');
    heads.stream()
        .sorted(Comparator.comparing(ChainHead::chain))
        .forEach(
            head ->
                text.append(head.chain().topic())
                    .append('\t')
                    .append(head.chain().partition())
                    .append('\t')
                    .append(head.seq())
                    .append('\t')
                    .append(head.hash())
                    .append('\n'));
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** SHA-256 of the signed bytes, hex: what the next checkpoint names as its previous. */
  public String digest() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(signedBytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The number of records the heads cover. */
  public long records() {
    return heads.stream().mapToLong(head -> head.seq() + 1).sum();
  }
}
