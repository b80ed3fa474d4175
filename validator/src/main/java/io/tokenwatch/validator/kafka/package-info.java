/** Kafka plumbing of the validator: the revocation feed consumer and the usage reporter. */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.validator.kafka;
