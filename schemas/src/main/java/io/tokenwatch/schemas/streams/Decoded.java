package io.tokenwatch.schemas.streams;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/** The outcome of decoding one input record: an event to process, or a dead letter. */
sealed interface Decoded<V> {

  record Ok<V>(V value) implements Decoded<V> {
    public Ok {
      requireNonNull(value, "value");
    }
  }

  /**
   * The original bytes; the error is in the record's headers. Arrays, not copies: the record
   * carries them unchanged from the consumer to the dead-letter producer and nothing reads them.
   */
  @SuppressWarnings("ArrayRecordComponent")
  record Dead<V>(byte @Nullable [] key, byte @Nullable [] value) implements Decoded<V> {}
}
