package io.tokenwatch.issuer.revocation;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.policy.Decision;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.validator.RevocationView;
import io.tokenwatch.validator.VerifiedToken;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The issuer's questions to the revocation feed the validators read, answered with the validator
 * library's matching rule (docs/TOKENS.md) and failing closed: a view that is not ready, or was
 * last caught up longer ago than the staleness budget, cannot clear anything. Thread-safe.
 */
public final class RevocationCheck {

  private final RevocationView revocations;
  private final Clock clock;
  private final long maxStalenessMillis;

  /**
   * @param revocations the feed as the issuer follows it
   * @param clock the time source
   * @param maxStaleness nothing is cleared when the feed was last caught up longer ago
   */
  public RevocationCheck(RevocationView revocations, Clock clock, Duration maxStaleness) {
    this.revocations = requireNonNull(revocations, "revocations");
    this.clock = requireNonNull(clock, "clock");
    this.maxStalenessMillis = requireNonNull(maxStaleness, "maxStaleness").toMillis();
  }

  /** What the feed says. */
  public sealed interface Verdict {

    /**
     * The refusal this verdict calls for, if any: {@code invalid_grant} with {@code revokedDetail}
     * of the covering selector when revoked, {@code temporarily_unavailable} when undecidable.
     */
    default Optional<Decision.Denied> refusal(
        IssuanceDenyReason reason, Function<String, String> revokedDetail) {
      if (this instanceof Revoked revoked) {
        return Optional.of(
            Decision.Denied.of(
                reason, OAuthError.INVALID_GRANT, revokedDetail.apply(revoked.selector())));
      }
      if (this instanceof Undecidable undecidable) {
        return Optional.of(
            Decision.Denied.of(
                reason,
                OAuthError.TEMPORARILY_UNAVAILABLE,
                undecidable.detail() + "; retry shortly"));
      }
      return Optional.empty();
    }

    /** No live revocation covers it, and the feed is fresh. */
    record Clear() implements Verdict {}

    /** A live revocation covers it: {@code selector} is its feed key. */
    record Revoked(String selector) implements Verdict {
      public Revoked {
        requireNonNull(selector, "selector");
      }
    }

    /** The feed is not ready or stale: nobody can tell. */
    record Undecidable(String detail) implements Verdict {
      public Undecidable {
        requireNonNull(detail, "detail");
      }
    }
  }

  /** Whether a live revocation covers {@code token}, as every validator would judge it. */
  public Verdict token(VerifiedToken token) {
    requireNonNull(token, "token");
    String selector = revocations.revokedBy(token);
    return selector != null ? new Verdict.Revoked(selector) : freshness();
  }

  /**
   * Whether a token that the issuer knows only by its id is revoked by a selector naming that id
   * ({@link RevocationView#revokedById}). Used for the ancestors of a delegation, whose other
   * claims the issuer does not keep.
   *
   * @param ids token ids, e.g. a delegation's lineage, nearest first
   * @return the first revocation found, else whether the feed is fresh
   */
  public Verdict anyRevokedById(List<String> ids) {
    requireNonNull(ids, "ids");
    for (String id : ids) {
      String selector = revocations.revokedById(id);
      if (selector != null) {
        return new Verdict.Revoked(selector);
      }
    }
    return freshness();
  }

  /** {@link Verdict.Clear} when the feed is ready and fresh, else why not. */
  public Verdict freshness() {
    String stale = revocations.freshness().staleness(clock.millis(), maxStalenessMillis);
    return stale == null ? new Verdict.Clear() : new Verdict.Undecidable("the issuer's " + stale);
  }
}
