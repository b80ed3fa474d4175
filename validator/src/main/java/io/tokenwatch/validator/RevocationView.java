package io.tokenwatch.validator;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a validator knows about revocations: whether one covers a token, and how fresh that
 * knowledge is. {@link RevocationIndex} is the implementation the revocation feed fills.
 *
 * <p>Implementations are safe for concurrent readers and must not block.
 */
public interface RevocationView {

  /**
   * The selector key ({@code <kind>:<value>}, see docs/TOKENS.md) of a live revocation covering the
   * token, or {@code null} when none does.
   */
  @Nullable String revokedBy(VerifiedToken token);

  /**
   * The selector key of a live revocation covering a token known only by its id ({@code
   * token:<id>}, or {@code lineage:<id>}, which covers the token itself), or {@code null}. For
   * callers that do not keep a token's other claims, such as an issuer checking the ancestors of a
   * delegation. The token is judged with a blank subject and client, which no selector value can be
   * (the shared selector rules), so no subject, client, audience or grant selector matches it; and
   * with the earliest possible issue time, so a watermarked revocation of the id covers it (fail
   * closed).
   */
  default @Nullable String revokedById(String tokenId) {
    return revokedBy(
        new VerifiedToken(
            tokenId,
            "",
            "",
            List.of(),
            "",
            Set.of(),
            Instant.EPOCH,
            null,
            Instant.EPOCH,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(),
            ""));
  }

  /** Whether the view has bootstrapped, and when it was last known to be caught up. */
  Freshness freshness();

  /**
   * How fresh a view is.
   *
   * @param ready whether the view has read everything that existed when it started
   * @param caughtUpAtMillis epoch millis when it was last known to hold every revocation, by the
   *     validator's clock; meaningless when not ready
   */
  record Freshness(boolean ready, long caughtUpAtMillis) {
    /** Not ready yet. */
    public static final Freshness NOT_READY = new Freshness(false, Long.MIN_VALUE);

    /**
     * Why this view cannot rule out a revocation at {@code nowMillis}, or {@code null} when it can:
     * it is not ready, or was last caught up more than {@code maxStalenessMillis} before.
     */
    public @Nullable String staleness(long nowMillis, long maxStalenessMillis) {
      if (!ready) {
        return "revocation feed not ready";
      }
      long age = nowMillis - caughtUpAtMillis;
      return age > maxStalenessMillis ? "revocation feed last caught up " + age + " ms ago" : null;
    }
  }

  /**
   * A view that knows no revocations and is always fresh. Only for callers that deliberately accept
   * not seeing revocations (e.g. a test, or a component that checks revocation elsewhere).
   */
  static RevocationView none() {
    return new RevocationView() {
      @Override
      public @Nullable String revokedBy(VerifiedToken token) {
        return null;
      }

      @Override
      public Freshness freshness() {
        return new Freshness(true, Long.MAX_VALUE);
      }
    };
  }
}
