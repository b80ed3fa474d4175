/** Kafka plumbing of the issuer: the event log producer and the shared refresh-grant state. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.issuer.kafka;
