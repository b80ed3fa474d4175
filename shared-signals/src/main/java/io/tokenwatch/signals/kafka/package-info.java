/**
 * The Shared Signals Kafka adapters: the stream registry on its compacted topic, the fan-out of
 * revocations into SETs, the outbox on {@code tokenwatch.ssf-events}, push and poll delivery with
 * their per-stream state on {@code tokenwatch.ssf-delivery}, and the receiver's revocation requests
 * and dead letters.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.kafka;
