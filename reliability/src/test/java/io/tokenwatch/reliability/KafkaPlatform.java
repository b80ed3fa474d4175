package io.tokenwatch.reliability;

import io.tokenwatch.embedded.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.embedded.registry.EmbeddedSchemaRegistry;
import io.tokenwatch.embedded.registry.RegistryCredential;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A broker and schema registry of one test's own, with producers speaking the event schemas. */
final class KafkaPlatform implements AutoCloseable {

  private final EmbeddedKafkaBroker broker;
  private final EmbeddedSchemaRegistry registry;
  private final RegistryCredential credential;
  private final SerdeConfig serdes;
  private final SchemaRegistryClient registryClient;

  private KafkaPlatform(
      EmbeddedKafkaBroker broker, EmbeddedSchemaRegistry registry, RegistryCredential credential) {
    this.broker = broker;
    this.registry = registry;
    this.credential = credential;
    this.serdes = SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, schemaRegistryUrl()));
    this.registryClient = new HttpSchemaRegistryClient(serdes.registrySettings());
  }

  static KafkaPlatform start(Path dataDir) {
    return start(dataDir, Map.of());
  }

  /** A platform whose broker has {@code brokerProperties} over the embedded defaults. */
  static KafkaPlatform start(Path dataDir, Map<String, String> brokerProperties) {
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder(dataDir.resolve("kafka")).properties(brokerProperties).build();
    broker.start();
    try {
      RegistryCredential credential = RegistryCredential.random("tokenwatch");
      EmbeddedSchemaRegistry registry =
          EmbeddedSchemaRegistry.builder()
              .bootstrapServers(broker.bootstrapServers())
              .writeCredential(credential)
              .build();
      registry.start();
      return new KafkaPlatform(broker, registry, credential);
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
  }

  String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The registry's URL with its write credential as user info, which registry clients send. */
  String schemaRegistryUrl() {
    return credential.inUrl(registry.url());
  }

  /** The wire-format serializer of an event type, against this registry. */
  <V extends SpecificRecord> Serializer<V> serializer(Class<V> type) {
    return AvroSerdes.specific(type, registryClient, serdes, false).serializer();
  }

  /** An idempotent producer with {@code acks=all} for events of one type. */
  <V extends SpecificRecord> KafkaProducer<String, V> producer(Class<V> type) {
    return new KafkaProducer<>(producerConfig(), new StringSerializer(), serializer(type));
  }

  /** An idempotent producer with {@code acks=all} of raw bytes, for poison records. */
  KafkaProducer<String, byte[]> rawProducer() {
    return new KafkaProducer<>(producerConfig(), new StringSerializer(), new ByteArraySerializer());
  }

  private Map<String, Object> producerConfig() {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG,
        "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        true);
  }

  @Override
  public void close() {
    try {
      registry.close();
    } finally {
      broker.close();
    }
  }
}
