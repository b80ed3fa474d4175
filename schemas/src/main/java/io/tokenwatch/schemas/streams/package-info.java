/**
 * Pieces the Kafka Streams applications share: decoding input records inside a topology, with bad
 * records routed to the dead-letter topic in the same transaction, and the lifecycle of the running
 * client ({@link io.tokenwatch.schemas.streams.StreamsService}). Requires Kafka Streams (and, for
 * {@code StreamsService}, Micrometer) on the class path: optional dependencies of this module.
 */
@NullMarked
package io.tokenwatch.schemas.streams;

import org.jspecify.annotations.NullMarked;
