/**
 * Pieces the Kafka Streams applications share: decoding input records inside a topology, with bad
 * records routed to the dead-letter topic in the same transaction. Requires Kafka Streams on the
 * class path (an optional dependency of this module).
 */
@NullMarked
package io.tokenwatch.schemas.streams;

import org.jspecify.annotations.NullMarked;
