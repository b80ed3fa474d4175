/**
 * Test support: hands integration tests a running Kafka cluster and schema registry through {@link
 * io.tokenwatch.testing.TestCluster}, backed by Testcontainers where a Docker engine runs and by
 * the embedded broker everywhere else.
 */
@org.jspecify.annotations.NullMarked
package io.tokenwatch.testing;
