package io.tokenwatch.issuer.consent;

import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawn;

/**
 * Where consent events go. Each method returns once the event is durable ({@code acks=all}) and
 * throws {@link io.tokenwatch.issuer.EventLogUnavailableException} when it is not in time.
 * Implementations are thread-safe.
 */
public interface ConsentLog {

  /** Records a consent; its code may be handed out only after this returns. */
  void granted(ConsentGranted event);

  /** Records a withdrawal. */
  void withdrawn(ConsentWithdrawn event);
}
