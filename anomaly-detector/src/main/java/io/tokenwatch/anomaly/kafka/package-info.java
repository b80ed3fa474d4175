/**
 * The anomaly detector's Kafka Streams plumbing: configuration, the topology, decoding with dead
 * letters, state serdes and the processors that apply the rules of {@code io.tokenwatch.anomaly}.
 */
@NullMarked
package io.tokenwatch.anomaly.kafka;

import org.jspecify.annotations.NullMarked;
