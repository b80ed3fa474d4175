package io.tokenwatch.revocation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A request to revoke what a selector names, before the rules have turned it into a {@link
 * LiveRevocation}.
 *
 * @param selector what to revoke
 * @param issuedBefore the requested watermark, or null
 * @param reason why
 * @param requestedBy who asked
 * @param sourceEventId the event that asked, when there is one
 * @param requestedAt when it was asked
 * @param detail explanation for auditors
 * @param forgetAfterHint the requester's bound on when every covered token has expired, or null
 * @param useCount for a max-use revocation, the count that triggered it
 */
public record RevocationRequest(
    Selector selector,
    @Nullable Instant issuedBefore,
    Reason reason,
    String requestedBy,
    @Nullable String sourceEventId,
    Instant requestedAt,
    @Nullable String detail,
    @Nullable Instant forgetAfterHint,
    @Nullable Long useCount) {

  public RevocationRequest {
    requireNonNull(selector, "selector");
    requireNonNull(reason, "reason");
    requireNonNull(requestedBy, "requestedBy");
    requireNonNull(requestedAt, "requestedAt");
  }
}
