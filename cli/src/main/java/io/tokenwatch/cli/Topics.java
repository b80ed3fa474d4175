package io.tokenwatch.cli;

import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Runs the ensure-topics step against a cluster. */
final class Topics {

  private Topics() {}

  static TopicEnsurer.Report ensure(ClusterOptions.Cluster cluster) {
    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(
            SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, cluster.schemaRegistryUrl()))
                .registrySettings());
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30_000))) {
      return new TopicEnsurer(admin, registry, Duration.ofSeconds(30))
          .ensure(io.tokenwatch.schemas.topic.Topics.ALL);
    }
  }
}
