package io.tokenwatch.signals;

/**
 * Where poll streams' {@link PollState}s are kept, shared by every instance of the service.
 * Implementations are thread-safe.
 */
public interface PollStates {

  /**
   * The stream's latest durable state, including every write that completed before this call;
   * {@link PollState#INITIAL} for a stream never polled.
   *
   * @throws IllegalStateException when the state cannot be read right now (retriable)
   */
  PollState load(String streamId);

  /**
   * Makes {@code state} durable, merged with whatever other writers made durable meanwhile, and
   * returns the merged state. Returns only once it is durable.
   *
   * @throws IllegalStateException when the write could not be made durable (retriable)
   */
  PollState commit(String streamId, PollState state);
}
