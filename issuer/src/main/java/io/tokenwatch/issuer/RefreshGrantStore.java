package io.tokenwatch.issuer;

import io.tokenwatch.events.RefreshGrantChanged;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The shared state of refresh grants: an append-only log of {@link RefreshGrantChanged} records,
 * folded by {@link GrantFold} in log order. A rotation is a conditional append: it takes effect
 * only if the state it was decided against is still the folded state when the record's turn comes,
 * and its writer learns which before answering. Implementations are thread-safe; the Kafka one is
 * shared by every issuer instance through a compacted topic.
 */
public interface RefreshGrantStore {

  /**
   * The grant's state as this instance has folded it so far, empty for a grant it does not know.
   * Another instance's latest record may not be read yet.
   */
  Optional<RefreshGrantChanged> get(String grantId);

  /**
   * The grant's state once this instance has folded every record written before the call (a round
   * trip to the log): for a token this instance does not know yet, which another instance may have
   * just handed out.
   *
   * @throws EventLogUnavailableException when the log cannot be read to its end in time
   */
  Optional<RefreshGrantChanged> latest(String grantId);

  /**
   * Starts appending {@code record}; {@link Append#await()} waits until it is durable and folded on
   * this instance, and says what it did. Sending first and awaiting later lets a caller have other
   * events in flight at the same time.
   *
   * @throws EventLogUnavailableException when it cannot even be sent
   */
  Append send(RefreshGrantChanged record);

  /**
   * Appends {@code record} and waits until it is durable and folded on this instance.
   *
   * @return what the record did, and the grant's state right after it
   * @throws EventLogUnavailableException when it cannot be made durable, or read back, in time;
   *     whether it took effect is then unknown
   */
  default GrantFold.Step append(RefreshGrantChanged record) {
    return send(record).await();
  }

  /**
   * Registers who seals a grant whose last record lost (it reads ACTIVE to a reader that sees it
   * alone) when no REVOKED record followed within a grace period: the writer of the losing record
   * may have stopped before sealing it. The handler gets the folded (REVOKED) state and must append
   * a REVOKED record and revoke the grant's tokens.
   */
  void onUnsealed(Consumer<RefreshGrantChanged> handler);

  /** A record on its way to the log. */
  @FunctionalInterface
  interface Append {
    /**
     * Waits until the record is durable and folded on this instance.
     *
     * @return what the record did, and the grant's state right after it
     * @throws EventLogUnavailableException when that does not happen in time; whether it took
     *     effect is then unknown
     */
    GrantFold.Step await();
  }
}
