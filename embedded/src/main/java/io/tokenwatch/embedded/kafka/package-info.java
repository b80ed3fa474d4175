/**
 * An in-process Apache Kafka broker (KRaft, combined broker and controller, one node by default)
 * for the one-machine platform and for integration tests, and {@link
 * io.tokenwatch.embedded.kafka.BrokerCluster}: several such nodes forming one cluster, each in a
 * JVM of its own ({@link io.tokenwatch.embedded.kafka.BrokerNode}), for fault tests and {@code
 * tokenwatch up --brokers 3}.
 *
 * <p>Kafka logs a great deal at INFO (well over a thousand lines per start and stop). Applications
 * that embed the broker should set the {@code kafka}, {@code org.apache.kafka} and {@code
 * state.change.logger} loggers to WARN.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.embedded.kafka;
