/**
 * Kafka adapters of the Shared Signals transmitter: poll streams' SET queues on {@code
 * tokenwatch.ssf-events}, their delivery states on {@code tokenwatch.ssf-delivery}, and SETs
 * receivers reported as errors on {@code tokenwatch.dead-letters}.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.kafka;
