package io.tokenwatch.schemas.streams;

import org.jspecify.annotations.Nullable;

/**
 * The semantic check of a decoded event and its record key.
 *
 * @param <V> the event type
 */
@FunctionalInterface
public interface EventCheck<V> {

  /**
   * Checks {@code value} read under {@code key}.
   *
   * @throws InvalidEventException if the event makes no sense
   */
  void check(@Nullable String key, V value);
}
