package io.tokenwatch.validator;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.revocation.FeedKey;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The live revocations of the feed, in memory, matched per docs/TOKENS.md.
 *
 * <p>Token-id revocations without a watermark (the bulk of the feed) live in a packed table of
 * 128-bit ids, about 16-32 bytes each; token ids that are not canonical UUIDs go to a small hash
 * set. Every other selector (grant, lineage, subject, client, audience, and watermarked token ids)
 * lives in a small map per kind from value to watermark, where "no watermark" is {@link
 * Long#MAX_VALUE} and matches whatever the token's {@code iat}.
 *
 * <p>One writer (the feed) at a time, any number of concurrent readers; reads never block.
 */
public final class RevocationIndex implements RevocationView {

  /** The selector kinds of docs/TOKENS.md, by their key prefix. */
  enum Kind {
    TOKEN,
    GRANT,
    LINEAGE,
    SUBJECT,
    CLIENT,
    AUDIENCE;

    final String prefix = FeedKey.prefix(this);
  }

  private static final long NO_WATERMARK = Long.MAX_VALUE;

  private static final byte[] TOKEN_PREFIX = Kind.TOKEN.prefix.getBytes(StandardCharsets.US_ASCII);

  private final PackedIdSet tokenIds;
  private final Set<String> otherTokenIds = ConcurrentHashMap.newKeySet();
  private final EnumMap<Kind, Map<String, Long>> watermarks = new EnumMap<>(Kind.class);
  private final AtomicLong unknownSelectors = new AtomicLong();
  private volatile Freshness freshness = Freshness.NOT_READY;

  /** An empty index, not ready. */
  public RevocationIndex() {
    this(0);
  }

  /**
   * An empty index, not ready, sized for about {@code expectedTokenIds} token-id revocations.
   *
   * @param expectedTokenIds a hint; the index grows past it as needed
   */
  public RevocationIndex(int expectedTokenIds) {
    if (expectedTokenIds < 0) {
      throw new IllegalArgumentException("expectedTokenIds must be >= 0: " + expectedTokenIds);
    }
    this.tokenIds = new PackedIdSet(expectedTokenIds);
    for (Kind kind : Kind.values()) {
      watermarks.put(kind, new ConcurrentHashMap<>());
    }
  }

  /**
   * Records a live revocation under its feed key. Monotonic: a record never lowers the watermark
   * already held for its key.
   *
   * @param key the selector key {@code <kind>:<value>}
   * @param issuedBeforeMillis the watermark (epoch millis; tokens issued strictly before it are
   *     revoked), or {@code null} to revoke every matching token
   * @return {@code false} when the key's kind is unknown to this reader (the record is ignored and
   *     counted; an unknown kind cannot be evaluated)
   */
  public boolean put(String key, @Nullable Long issuedBeforeMillis) {
    requireNonNull(key, "key");
    Kind kind = kindOf(key);
    if (kind == null) {
      unknownSelectors.incrementAndGet();
      return false;
    }
    String value = key.substring(kind.prefix.length());
    long watermark = issuedBeforeMillis == null ? NO_WATERMARK : issuedBeforeMillis;
    if (kind == Kind.TOKEN && watermark == NO_WATERMARK) {
      if (TokenIds.isCanonicalUuid(value)) {
        tokenIds.add(TokenIds.high(value), TokenIds.low(value));
      } else {
        otherTokenIds.add(value);
      }
      watermarks(Kind.TOKEN).remove(value);
      return true;
    }
    if (kind == Kind.TOKEN && containsTokenId(value)) {
      return true; // already revoked whatever its iat, which no watermark can lower
    }
    watermarks(kind).merge(value, watermark, Math::max);
    return true;
  }

  /**
   * Records a live revocation under its feed key given as its UTF-8 bytes (a Kafka record's key):
   * the same as {@link #put(String, Long)} with the decoded key, but a {@code token:<uuid>} key
   * without watermark, the bulk of a feed, is read straight from the bytes without making a string.
   *
   * @param key holds the selector key {@code <kind>:<value>} in UTF-8 from {@code offset}, {@code
   *     length} bytes; not kept
   * @param issuedBeforeMillis the watermark, or {@code null} to revoke every matching token
   * @return {@code false} when the key's kind is unknown to this reader
   */
  public boolean put(byte[] key, int offset, int length, @Nullable Long issuedBeforeMillis) {
    requireNonNull(key, "key");
    if (issuedBeforeMillis == null && isCanonicalTokenKey(key, offset, length)) {
      int at = offset + TOKEN_PREFIX.length;
      tokenIds.add(TokenIds.high(key, at), TokenIds.low(key, at));
      Map<String, Long> tokenWatermarks = watermarks(Kind.TOKEN);
      if (!tokenWatermarks.isEmpty()) {
        tokenWatermarks.remove(new String(key, at, 36, StandardCharsets.US_ASCII));
      }
      return true;
    }
    return put(new String(key, offset, length, StandardCharsets.UTF_8), issuedBeforeMillis);
  }

  /** {@link #put(byte[], int, int, Long)} with the whole of {@code key}. */
  public boolean put(byte[] key, @Nullable Long issuedBeforeMillis) {
    return put(key, 0, key.length, issuedBeforeMillis);
  }

  /**
   * Drops the revocation under {@code key} given as its UTF-8 bytes (a tombstone's key): the same
   * as {@link #remove(String)} with the decoded key, without making a string for a {@code
   * token:<uuid>} key while no token id is held with a watermark.
   */
  public void remove(byte[] key, int offset, int length) {
    requireNonNull(key, "key");
    if (isCanonicalTokenKey(key, offset, length)) {
      int at = offset + TOKEN_PREFIX.length;
      tokenIds.remove(TokenIds.high(key, at), TokenIds.low(key, at));
      Map<String, Long> tokenWatermarks = watermarks(Kind.TOKEN);
      if (!tokenWatermarks.isEmpty()) {
        tokenWatermarks.remove(new String(key, at, 36, StandardCharsets.US_ASCII));
      }
      return;
    }
    remove(new String(key, offset, length, StandardCharsets.UTF_8));
  }

  /** {@link #remove(byte[], int, int)} with the whole of {@code key}. */
  public void remove(byte[] key) {
    remove(key, 0, key.length);
  }

  private static boolean isCanonicalTokenKey(byte[] key, int offset, int length) {
    int prefix = TOKEN_PREFIX.length;
    if (length != prefix + 36) {
      return false;
    }
    for (int i = 0; i < prefix; i++) {
      if (key[offset + i] != TOKEN_PREFIX[i]) {
        return false;
      }
    }
    return TokenIds.isCanonicalUuid(key, offset + prefix, 36);
  }

  /**
   * Makes room for about {@code expectedTokenIds} token-id revocations in all, so that loading that
   * many does not grow the table step by step; never shrinks, never limits. A feed calls it with
   * the number of records it is about to read.
   *
   * @param expectedTokenIds a hint, {@code >= 0}
   */
  public void reserveTokenIds(int expectedTokenIds) {
    if (expectedTokenIds < 0) {
      throw new IllegalArgumentException("expectedTokenIds must be >= 0: " + expectedTokenIds);
    }
    tokenIds.reserve(expectedTokenIds);
  }

  /** Drops the revocation under {@code key} (a tombstone): everything it covered has expired. */
  public void remove(String key) {
    requireNonNull(key, "key");
    Kind kind = kindOf(key);
    if (kind == null) {
      return;
    }
    String value = key.substring(kind.prefix.length());
    if (kind == Kind.TOKEN) {
      if (TokenIds.isCanonicalUuid(value)) {
        tokenIds.remove(TokenIds.high(value), TokenIds.low(value));
      } else {
        otherTokenIds.remove(value);
      }
    }
    watermarks(kind).remove(value);
  }

  /** Marks the index as bootstrapped and caught up at {@code atMillis} (the feed calls this). */
  public void markCaughtUp(long atMillis) {
    freshness = new Freshness(true, atMillis);
  }

  /** Marks the index as not ready, e.g. when the feed has to start over. */
  public void markNotReady() {
    freshness = Freshness.NOT_READY;
  }

  @Override
  public Freshness freshness() {
    return freshness;
  }

  @Override
  public @Nullable String revokedBy(VerifiedToken token) {
    String jti = token.tokenId();
    if (containsTokenId(jti)) {
      return Kind.TOKEN.prefix + jti;
    }
    long iat = token.issuedAt().toEpochMilli();
    if (covers(Kind.TOKEN, jti, iat)) {
      return Kind.TOKEN.prefix + jti;
    }
    String grant = token.grantId();
    if (grant != null && covers(Kind.GRANT, grant, iat)) {
      return Kind.GRANT.prefix + grant;
    }
    if (!watermarks(Kind.LINEAGE).isEmpty()) {
      if (covers(Kind.LINEAGE, jti, iat)) {
        return Kind.LINEAGE.prefix + jti;
      }
      for (String ancestor : token.lineage()) {
        if (covers(Kind.LINEAGE, ancestor, iat)) {
          return Kind.LINEAGE.prefix + ancestor;
        }
      }
    }
    if (covers(Kind.SUBJECT, token.subject(), iat)) {
      return Kind.SUBJECT.prefix + token.subject();
    }
    if (covers(Kind.CLIENT, token.clientId(), iat)) {
      return Kind.CLIENT.prefix + token.clientId();
    }
    if (!watermarks(Kind.AUDIENCE).isEmpty()) {
      for (String aud : token.audience()) {
        if (covers(Kind.AUDIENCE, aud, iat)) {
          return Kind.AUDIENCE.prefix + aud;
        }
      }
    }
    return null;
  }

  /** Whether a token-id revocation without watermark holds {@code jti}. */
  public boolean containsTokenId(String jti) {
    if (TokenIds.isCanonicalUuid(jti)) {
      return tokenIds.contains(TokenIds.high(jti), TokenIds.low(jti));
    }
    return otherTokenIds.contains(jti);
  }

  /** Number of token-id revocations without a watermark. */
  public int tokenIdCount() {
    return tokenIds.size() + otherTokenIds.size();
  }

  /** Number of selector revocations (every kind except plain token ids). */
  public int selectorCount() {
    int n = 0;
    for (Map<String, Long> map : watermarks.values()) {
      n += map.size();
    }
    return n;
  }

  /** Bytes held by the packed token-id table (not counting the small maps). */
  public long tokenTableBytes() {
    return tokenIds.tableBytes();
  }

  /** Records ignored because their selector kind is unknown to this reader. */
  public long unknownSelectorCount() {
    return unknownSelectors.get();
  }

  /** The map of {@code kind}; the constructor puts one for every kind. */
  private Map<String, Long> watermarks(Kind kind) {
    return requireNonNull(watermarks.get(kind));
  }

  private boolean covers(Kind kind, String value, long issuedAtMillis) {
    Map<String, Long> map = watermarks(kind);
    if (map.isEmpty()) {
      return false;
    }
    Long watermark = map.get(value);
    return watermark != null && issuedAtMillis < watermark;
  }

  private static @Nullable Kind kindOf(String key) {
    for (Kind kind : Kind.values()) {
      if (key.startsWith(kind.prefix)) {
        return kind;
      }
    }
    return null;
  }
}
