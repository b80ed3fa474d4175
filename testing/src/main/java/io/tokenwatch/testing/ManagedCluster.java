package io.tokenwatch.testing;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.embedded.registry.EmbeddedSchemaRegistry;
import io.tokenwatch.embedded.registry.RegistryCredential;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TestCluster} owned by the extension: a Kafka backing plus the embedded schema registry
 * storing its log in that Kafka. Stopped once, when the test JVM is done.
 */
final class ManagedCluster implements TestCluster, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ManagedCluster.class);

  private final KafkaBacking kafka;
  private final EmbeddedSchemaRegistry registry;
  private final RegistryCredential credential;

  private ManagedCluster(
      KafkaBacking kafka, EmbeddedSchemaRegistry registry, RegistryCredential credential) {
    this.kafka = kafka;
    this.registry = registry;
    this.credential = credential;
  }

  /** Starts the registry against {@code kafka}; closes {@code kafka} if the registry fails. */
  static ManagedCluster withRegistry(KafkaBacking kafka) {
    requireNonNull(kafka, "kafka");
    try {
      // The registry refuses changes without a credential, as in production; tests get this one.
      RegistryCredential credential = RegistryCredential.random("tokenwatch-test");
      EmbeddedSchemaRegistry registry =
          EmbeddedSchemaRegistry.builder()
              .bootstrapServers(kafka.bootstrapServers())
              .writeCredential(credential)
              .build()
              .start();
      log.info("Test cluster: schema registry on {}", registry.url());
      return new ManagedCluster(kafka, registry, credential);
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  @Override
  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  @Override
  public String schemaRegistryUrl() {
    return credential.inUrl(registry.url());
  }

  @Override
  public Kind kind() {
    return kafka.kind();
  }

  @Override
  public void close() {
    // The registry's log lives in Kafka: stop it first so it does not lose its broker mid-write.
    try {
      registry.close();
    } finally {
      kafka.close();
    }
  }

  @Override
  public String toString() {
    return kafka + " with schema registry on " + registry.url();
  }
}
