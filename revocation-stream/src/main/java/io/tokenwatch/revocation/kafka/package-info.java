/**
 * The Kafka Streams topology: decoding and dead-lettering of input records, the token registry,
 * usage counting, max-use enforcement and the revocation feed.
 */
@NullMarked
package io.tokenwatch.revocation.kafka;

import org.jspecify.annotations.NullMarked;
