package io.tokenwatch.issuer;

import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.TokenIssued;

/**
 * Where the issuer's events go. Every method returns once the event is durable (acknowledged by
 * every in-sync replica) and throws {@link EventLogUnavailableException} when it is not within the
 * configured bound. Implementations are thread-safe.
 */
public interface EventLog {

  /** Records an issuance; the token may be handed out only after this returns. */
  void tokenIssued(TokenIssued event);

  /** Records a refusal. */
  void issuanceDenied(IssuanceDenied event);

  /**
   * Records a revocation request and writes {@code fastPath} to the revocation fast path, which
   * validators follow beside the compacted feed, so they deny before the revocation stream has
   * processed the request. Never to the compacted feed itself: each of its keys has one writer, the
   * stream, so that the record compaction keeps is the strongest ever written (docs/TOKENS.md).
   *
   * @return where both records landed
   */
  RevocationReceipt revocation(RevocationRequested request, Revocation fastPath);
}
