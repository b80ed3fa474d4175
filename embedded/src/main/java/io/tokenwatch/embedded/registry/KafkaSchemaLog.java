package io.tokenwatch.embedded.registry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The registry's log in a compacted, single-partition Kafka topic. One partition keeps one total
 * order, which replay needs; compaction keeps the latest entry per key, which is all replay needs.
 *
 * <p>The topic is created when missing, with a replication factor of at most three and never more
 * than the cluster has brokers. Appends are idempotent, {@code acks=all}, and wait for the
 * acknowledgement.
 */
final class KafkaSchemaLog implements SchemaLog {

  /** Not {@code _schemas}: a Confluent registry may share the cluster and owns that name. */
  static final String DEFAULT_TOPIC = "_tokenwatch_schemas";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String bootstrapServers;
  private final String topic;
  private final KafkaProducer<String, String> producer;

  KafkaSchemaLog(String bootstrapServers, String topic) {
    this.bootstrapServers = requireNonNull(bootstrapServers, "bootstrapServers");
    this.topic = requireNonNull(topic, "topic");
    ensureTopic();
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-schema-registry");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis() / 2);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  @Override
  public List<StoreRecord> replay() {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-schema-registry-replay");
    TopicPartition partition = new TopicPartition(topic, 0);
    List<StoreRecord> records = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      Long endOffset = consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
      long end = endOffset == null ? 0 : endOffset;
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(partition, TIMEOUT) < end) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException("replay did not reach offset " + end + " of " + topic);
        }
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.key() != null) {
            StoreRecordCodec.decode(record.key(), record.value()).ifPresent(records::add);
          }
        }
      }
      return records;
    } catch (TimeoutException | RuntimeException e) {
      throw new SchemaLogException("cannot read the registry log from topic " + topic, e);
    }
  }

  @Override
  public void append(StoreRecord record) {
    var message =
        new ProducerRecord<>(
            topic, 0, StoreRecordCodec.key(record), StoreRecordCodec.value(record));
    try {
      producer.send(message).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaLogException("interrupted while storing a registry change", e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw new SchemaLogException("cannot store a registry change in topic " + topic, e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }

  private void ensureTopic() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (Admin admin = Admin.create(props)) {
      if (admin
          .listTopics()
          .names()
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .contains(topic)) {
        return;
      }
      int brokers =
          admin.describeCluster().nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
      short replication = (short) Math.max(1, Math.min(3, brokers));
      NewTopic newTopic =
          new NewTopic(topic, 1, replication)
              .configs(
                  Map.of(
                      TopicConfig.CLEANUP_POLICY_CONFIG,
                      TopicConfig.CLEANUP_POLICY_COMPACT,
                      TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                      String.valueOf(Math.max(1, replication - 1))));
      try {
        admin.createTopics(Set.of(newTopic)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaLogException("interrupted while creating topic " + topic, e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw new SchemaLogException("cannot create the registry topic " + topic, e);
    }
  }
}
