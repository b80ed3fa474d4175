package io.tokenwatch.testing;

import org.apache.kafka.common.utils.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/** An {@code apache/kafka} container, configured like the embedded broker. */
final class ContainerKafka implements KafkaBacking {
  private static final Logger log = LoggerFactory.getLogger(ContainerKafka.class);

  private final KafkaContainer container;

  private ContainerKafka(KafkaContainer container) {
    this.container = container;
  }

  /**
   * The image matching the Kafka client library on the class path, so tests exercise the broker
   * version the project builds against.
   */
  static DockerImageName image() {
    return DockerImageName.parse("apache/kafka").withTag(AppInfoParser.getVersion());
  }

  /**
   * A container that behaves like the embedded broker (no topic auto-creation, no initial rebalance
   * delay), not yet started.
   */
  @SuppressWarnings("resource") // the caller owns and closes the container
  static KafkaContainer newContainer() {
    return new KafkaContainer(image())
        .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
        .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
        .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
  }

  static ContainerKafka start() {
    KafkaContainer container = newContainer();
    try {
      container.start();
    } catch (RuntimeException e) {
      container.close();
      throw e;
    }
    log.info("Test cluster: Kafka container {} on {}", image(), container.getBootstrapServers());
    return new ContainerKafka(container);
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }

  @Override
  public TestCluster.Kind kind() {
    return TestCluster.Kind.TESTCONTAINERS;
  }

  @Override
  public void close() {
    container.close();
  }

  @Override
  public String toString() {
    return "Kafka container on " + container.getBootstrapServers();
  }
}
