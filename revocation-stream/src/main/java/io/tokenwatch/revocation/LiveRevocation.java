package io.tokenwatch.revocation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A revocation in force: one record of the revocation feed.
 *
 * @param selector what it covers
 * @param issuedBefore the watermark: only tokens issued strictly before it are covered; null covers
 *     every token the selector names
 * @param forgetAfter when every covered token has expired, clock skew included; the record is
 *     removed from the feed after it
 * @param reason why
 * @param requestedBy who asked
 * @param sourceEventId the event that caused it, when there is one
 * @param occurredAt when it took effect
 * @param detail explanation for auditors
 * @param useCount for a max-use revocation, the count that triggered it
 */
public record LiveRevocation(
    Selector selector,
    @Nullable Instant issuedBefore,
    Instant forgetAfter,
    Reason reason,
    String requestedBy,
    @Nullable String sourceEventId,
    Instant occurredAt,
    @Nullable String detail,
    @Nullable Long useCount) {

  public LiveRevocation {
    requireNonNull(selector, "selector");
    requireNonNull(forgetAfter, "forgetAfter");
    requireNonNull(reason, "reason");
    requireNonNull(requestedBy, "requestedBy");
    requireNonNull(occurredAt, "occurredAt");
  }

  /**
   * Whether this revocation covers {@code token}: the selector names it and the watermark holds.
   */
  public boolean covers(LiveToken token) {
    return token.isNamedBy(selector)
        && (issuedBefore == null || token.issuedAt().isBefore(issuedBefore));
  }

  /** Whether the record may be removed from the feed at {@code now}. */
  public boolean forgettableAt(Instant now) {
    return !now.isBefore(forgetAfter);
  }

  /** This revocation with another watermark and forget time. */
  LiveRevocation with(@Nullable Instant watermark, Instant forget) {
    return new LiveRevocation(
        selector,
        watermark,
        forget,
        reason,
        requestedBy,
        sourceEventId,
        occurredAt,
        detail,
        useCount);
  }
}
