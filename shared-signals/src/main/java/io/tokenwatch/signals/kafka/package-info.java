/**
 * The transmitter's Kafka plumbing: the fan-out of revocations into SETs, the outbox on {@code
 * tokenwatch.ssf-events}, and push delivery with its per-stream cursors on {@code
 * tokenwatch.ssf-delivery}.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.kafka;
