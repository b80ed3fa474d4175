package io.tokenwatch.validator.kafka;

import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import io.tokenwatch.testing.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;

/**
 * What the feed's broker tests share: the test cluster's registry and serde settings, client
 * settings, the catalogue topics a test needs (created as services create them), and what to close
 * when the test ends.
 */
final class FeedTestBroker implements AutoCloseable {

  private final TestCluster cluster;
  private final SerdeConfig serdeConfig;
  private final SchemaRegistryClient registry;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  private FeedTestBroker(TestCluster cluster) {
    this.cluster = cluster;
    this.serdeConfig =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()));
    this.registry = new HttpSchemaRegistryClient(serdeConfig.registrySettings());
  }

  /** The cluster with {@code topics} created, as services create them. */
  static FeedTestBroker with(TestCluster cluster, List<Topic<?, ?>> topics) {
    FeedTestBroker broker = new FeedTestBroker(cluster);
    try (Admin admin = Admin.create(broker.clientConfig())) {
      new TopicEnsurer(admin, broker.registry, Duration.ofSeconds(30)).ensure(topics);
    }
    return broker;
  }

  Map<String, Object> clientConfig() {
    return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
  }

  SerdeConfig serdeConfig() {
    return serdeConfig;
  }

  SchemaRegistryClient registry() {
    return registry;
  }

  /** Closes {@code closeable} when the test ends; returns it. */
  <T extends AutoCloseable> T closeAfter(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /**
   * Closes {@code closeable} when the test ends, before everything else (a reporter before its
   * feed).
   */
  <T extends AutoCloseable> T closeFirst(T closeable) {
    closeables.add(0, closeable);
    return closeable;
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }
}
