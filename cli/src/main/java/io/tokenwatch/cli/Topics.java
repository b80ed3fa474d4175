package io.tokenwatch.cli;

import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.TopicEnsurer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Runs the ensure-topics step against a cluster. */
final class Topics {

  private static final String TOPIC_SETTINGS = "topics.";

  private Topics() {}

  /**
   * Creates and checks the catalogue's topics and registers their schemas, with the cluster's
   * registry credential when it has one.
   *
   * @param clientSettings Kafka client settings (security, say), the registry client's settings
   *     ({@code schema.registry.*}, {@code basic.auth.*}) and the replication of the topics it
   *     creates ({@code topics.replication.factor}, {@code topics.min.insync.replicas})
   */
  static TopicEnsurer.Report ensure(
      ClusterOptions.Cluster cluster, Map<String, Object> clientSettings) {
    Set<String> registryKeys = SerdeConfig.configDef().names();
    Map<String, Object> registrySettings = new HashMap<>();
    Map<String, Object> adminSettings = new HashMap<>();
    clientSettings.forEach(
        (key, value) -> {
          if (key.startsWith(TOPIC_SETTINGS)) {
            return; // the ensure step's own, not the admin client's
          }
          (registryKeys.contains(key) || key.startsWith("schema.registry.")
                  ? registrySettings
                  : adminSettings)
              .put(key, value);
        });
    registrySettings.putAll(cluster.registryClientSettings());
    adminSettings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    adminSettings.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    SchemaRegistryClient registry =
        new HttpSchemaRegistryClient(SerdeConfig.of(registrySettings).registrySettings());
    try (Admin admin = Admin.create(adminSettings)) {
      return new TopicEnsurer(admin, registry, Duration.ofSeconds(30), clientSettings)
          .ensure(io.tokenwatch.schemas.topic.Topics.ALL);
    }
  }
}
