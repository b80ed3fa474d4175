/** The Shared Signals Kafka adapters: the stream registry on its compacted topic. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.signals.kafka;
