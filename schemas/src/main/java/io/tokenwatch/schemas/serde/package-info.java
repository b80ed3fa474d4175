/**
 * Kafka serializers and deserializers for Avro in the Confluent wire format: magic byte {@code
 * 0x00}, a 4-byte big-endian schema id, then the Avro binary encoding.
 */
@NullMarked
package io.tokenwatch.schemas.serde;

import org.jspecify.annotations.NullMarked;
