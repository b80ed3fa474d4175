package io.tokenwatch.revocation;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The rules that turn requests into feed records and keep the feed monotonic and bounded.
 *
 * <p>Every bound derives from two settings: no token lives longer than {@code maxTokenTtl}, and
 * clocks of issuer, validators and this stream differ by at most {@code clockSkew}. Immutable and
 * thread-safe.
 */
public final class RevocationRules {

  /** Who asks for revocations the stream decides itself. */
  public static final String STREAM_REQUESTER = "tokenwatch-revocation-stream";

  private final Duration maxTokenTtl;
  private final Duration clockSkew;

  /**
   * @param maxTokenTtl the longest lifetime any token is issued with; positive
   * @param clockSkew the largest clock difference tolerated; not negative
   */
  public RevocationRules(Duration maxTokenTtl, Duration clockSkew) {
    this.maxTokenTtl = requireNonNull(maxTokenTtl, "maxTokenTtl");
    this.clockSkew = requireNonNull(clockSkew, "clockSkew");
    if (maxTokenTtl.isNegative() || maxTokenTtl.isZero()) {
      throw new IllegalArgumentException("maxTokenTtl must be positive, was " + maxTokenTtl);
    }
    if (clockSkew.isNegative()) {
      throw new IllegalArgumentException("clockSkew must not be negative, was " + clockSkew);
    }
  }

  /** The longest lifetime of any token. */
  public Duration maxTokenTtl() {
    return maxTokenTtl;
  }

  /** The clock skew tolerated. */
  public Duration clockSkew() {
    return clockSkew;
  }

  /**
   * Turns a request into the record it asks for.
   *
   * <p>Watermark: the requested one; else, for grant, subject, client and audience selectors, the
   * request time, so tokens issued later stay valid; else none. Forget time, plus clock skew: for a
   * watermark, the watermark plus the maximum token lifetime; for a token, its expiry when known,
   * else the requester's hint capped by, or else, the request time plus the maximum lifetime; for a
   * lineage, the root's expiry when known (delegated tokens never outlive their parent), else the
   * request time plus the maximum lifetime.
   *
   * @param request the request
   * @param knownExpiry the expiry of the token the selector names, when the caller knows it (token
   *     and lineage selectors)
   */
  public LiveRevocation resolve(RevocationRequest request, @Nullable Instant knownExpiry) {
    requireNonNull(request, "request");
    SelectorKind kind = request.selector().kind();
    Instant watermark = request.issuedBefore();
    if (watermark == null && kind.defaultsToRequestTimeWatermark()) {
      watermark = request.requestedAt();
    }
    Instant bound = request.requestedAt().plus(maxTokenTtl);
    Instant forget;
    if (watermark != null) {
      forget = watermark.plus(maxTokenTtl);
    } else if (knownExpiry != null) {
      forget = knownExpiry;
    } else if (kind == SelectorKind.TOKEN && request.forgetAfterHint() != null) {
      forget = min(request.forgetAfterHint(), bound);
    } else {
      forget = bound;
    }
    return new LiveRevocation(
        request.selector(),
        watermark,
        forget.plus(clockSkew),
        request.reason(),
        request.requestedBy(),
        request.sourceEventId(),
        request.requestedAt(),
        request.detail(),
        request.useCount());
  }

  /**
   * Merges a new record into what the feed already holds under the same key, monotonically: the
   * watermark never goes down (none counts as highest) and the forget time never moves earlier.
   *
   * @param existing what the feed holds, or null
   * @param incoming the new record for the same selector
   * @return the record to write, or empty when {@code incoming} adds nothing
   * @throws IllegalArgumentException if the selectors differ
   */
  public Optional<LiveRevocation> merge(
      @Nullable LiveRevocation existing, LiveRevocation incoming) {
    requireNonNull(incoming, "incoming");
    if (existing == null) {
      return Optional.of(incoming);
    }
    if (!existing.selector().equals(incoming.selector())) {
      throw new IllegalArgumentException(
          "cannot merge " + incoming.selector() + " into " + existing.selector());
    }
    Instant watermark =
        existing.issuedBefore() == null || incoming.issuedBefore() == null
            ? null
            : max(existing.issuedBefore(), incoming.issuedBefore());
    Instant forget = max(existing.forgetAfter(), incoming.forgetAfter());
    boolean sameWatermark =
        watermark == null
            ? existing.issuedBefore() == null
            : watermark.equals(existing.issuedBefore());
    if (sameWatermark && forget.equals(existing.forgetAfter())) {
      return Optional.empty();
    }
    return Optional.of(incoming.with(watermark, forget));
  }

  /** When the registry may drop a token: its expiry plus clock skew, so late uses still count. */
  public Instant registryForgetAt(LiveToken token) {
    return token.expiresAt().plus(clockSkew);
  }

  /**
   * When the count of a token not (yet) in the registry may be dropped: its expiry as the use
   * reported it, else the use time plus the maximum lifetime; plus clock skew.
   */
  public Instant unseenTokenForgetAt(@Nullable Instant reportedExpiry, Instant usedAt) {
    Instant expiry = reportedExpiry != null ? reportedExpiry : usedAt.plus(maxTokenTtl);
    return expiry.plus(clockSkew);
  }

  /** Whether {@code count} allowed uses exceed {@code maxUses} (null means no limit). */
  public static boolean exceedsMaxUses(long count, @Nullable Integer maxUses) {
    return maxUses != null && count > maxUses;
  }

  /** The request the stream makes itself when a token passes its use limit. */
  public RevocationRequest maxUsesExceeded(
      LiveToken token, long count, Instant at, @Nullable String sourceEventId) {
    return new RevocationRequest(
        new Selector(SelectorKind.TOKEN, token.id()),
        null,
        Reason.MAX_USES_EXCEEDED,
        STREAM_REQUESTER,
        sourceEventId,
        at,
        "used " + count + " times, max_uses is " + token.maxUses(),
        null,
        count);
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
