package io.tokenwatch.signals;

import java.util.Collection;
import java.util.Optional;

/**
 * Where the transmitter keeps its streams. Every instance of the service sees every stream; a write
 * returns once it is durable, and every instance sees it soon after.
 *
 * <p>Implementations are thread-safe.
 */
public interface StreamRegistry {

  /** The stream with that id, if it exists. */
  Optional<SignalStream> get(String streamId);

  /** Every stream, in no particular order. */
  Collection<SignalStream> all();

  /**
   * Creates or replaces a stream; returns once the write is durable.
   *
   * @throws IllegalStateException when the write could not be made durable
   */
  void put(SignalStream stream);

  /**
   * Deletes a stream; returns once the deletion is durable. Deleting an unknown id does nothing.
   */
  void delete(String streamId);
}
