package io.tokenwatch.testing;

/**
 * A running Kafka cluster and schema registry for integration tests. Obtain one by declaring a
 * parameter of this type in a test annotated {@link KafkaIntegrationTest}; one cluster serves the
 * whole test JVM, so tests must use their own topic names and consumer group ids.
 *
 * <p>Topics are never auto-created: create them with an admin client first.
 */
public interface TestCluster {

  /** The {@code bootstrap.servers} value for Kafka clients. */
  String bootstrapServers();

  /**
   * The base URL of the schema registry, for {@code schema.registry.url}, such as {@code
   * http://tokenwatch-test:<secret>@localhost:40123}. The registry speaks the Confluent REST subset
   * and keeps its log in this cluster's Kafka. Like every Tokenwatch registry it refuses changes
   * without its credential: the URL carries it as user info, which the registry client sends as
   * HTTP basic auth ({@code basic.auth.credentials.source=URL}, the default). A raw HTTP client
   * must send it itself; reads need none.
   */
  String schemaRegistryUrl();

  /** What backs this cluster. */
  Kind kind();

  /** The kind of Kafka behind a {@link TestCluster}. */
  enum Kind {
    /** The in-process broker of the embedded module. */
    EMBEDDED,
    /** An {@code apache/kafka} container started through Testcontainers. */
    TESTCONTAINERS,
    /** Several KRaft nodes of the embedded module, each in a JVM of its own. */
    BROKER_CLUSTER
  }
}
