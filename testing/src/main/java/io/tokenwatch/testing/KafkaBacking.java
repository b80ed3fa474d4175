package io.tokenwatch.testing;

/** The Kafka half of a test cluster: where clients connect and how it is stopped. */
interface KafkaBacking extends AutoCloseable {
  String bootstrapServers();

  TestCluster.Kind kind();

  @Override
  void close();
}
