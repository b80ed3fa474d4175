package io.tokenwatch.issuer;

import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.TokenIssued;
import org.jspecify.annotations.Nullable;

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
   * Records a revocation request and, when {@code feedRecord} is given, writes it straight to the
   * revocation feed as well (the fast path: revocation is monotonic, so the revocation stream
   * writing the same record again is harmless).
   */
  void revocation(RevocationRequested request, @Nullable Revocation feedRecord);
}
