/**
 * The runnable application: configuration, start-up (topics, Kafka Streams with exactly-once v2,
 * HTTP) and shutdown.
 */
@NullMarked
package io.tokenwatch.revocation.app;

import org.jspecify.annotations.NullMarked;
