/**
 * A schema registry speaking the subset of the Confluent Schema Registry REST API that Avro
 * serializers and deserializers use, durable in a compacted Kafka topic.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.embedded.registry;
