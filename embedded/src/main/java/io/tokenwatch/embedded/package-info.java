/**
 * The one-machine platform: an in-process Apache Kafka broker and a schema registry against it,
 * both persistent in one data directory.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.embedded;
