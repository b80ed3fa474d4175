/**
 * An in-process Apache Kafka broker (KRaft, combined broker and controller, one node) for the
 * one-machine platform and for integration tests.
 *
 * <p>Kafka logs a great deal at INFO (well over a thousand lines per start and stop). Applications
 * that embed the broker should set the {@code kafka}, {@code org.apache.kafka} and {@code
 * state.change.logger} loggers to WARN.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.embedded.kafka;
