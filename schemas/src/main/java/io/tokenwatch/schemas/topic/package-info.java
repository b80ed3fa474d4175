/**
 * The topic catalogue: every Kafka topic Tokenwatch reads or writes, declared once with its key and
 * value types and its settings, and the idempotent step that makes a cluster match it.
 */
@NullMarked
package io.tokenwatch.schemas.topic;

import org.jspecify.annotations.NullMarked;
