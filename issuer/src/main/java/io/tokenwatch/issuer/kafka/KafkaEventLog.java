package io.tokenwatch.issuer.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.issuer.EventLog;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.RevocationReceipt;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.revocation.FeedKey;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The issuer's events on Kafka: one idempotent producer with {@code acks=all}; every call waits for
 * the acknowledgement, at most the produce timeout, and fails closed after it.
 *
 * <p>Values are serialized here (Confluent wire format), so one producer of bytes serves every
 * topic. Thread-safe.
 */
public final class KafkaEventLog implements EventLog, AutoCloseable {

  private final Producer<String, byte[]> producer;
  private final Duration timeout;
  private final Map<Class<?>, Serializer<?>> serializers = new HashMap<>();

  /**
   * @param producer a producer configured by {@link #producerConfig}; closed by {@link #close()}
   * @param registry where value schemas are looked up
   * @param timeout how long a call waits for the acknowledgement
   */
  public KafkaEventLog(
      Producer<String, byte[]> producer, SchemaRegistryClient registry, Duration timeout) {
    this.producer = requireNonNull(producer, "producer");
    this.timeout = requireNonNull(timeout, "timeout");
    requireNonNull(registry, "registry");
    // Schemas are registered by the ensure-topics step; the serializer only looks them up.
    SerdeConfig serde =
        SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://unused.invalid"));
    for (Topic<String, ? extends SpecificRecord> topic :
        List.<Topic<String, ? extends SpecificRecord>>of(
            Topics.TOKEN_ISSUED,
            Topics.ISSUANCE_DENIED,
            Topics.REVOCATION_REQUESTS,
            Topics.REVOCATION_FAST_PATH,
            Topics.REFRESH_GRANTS,
            Topics.POLICY_CHANGES,
            Topics.CONSENTS,
            Topics.CONSENT_WITHDRAWALS,
            Topics.ACCESS_REQUESTS)) {
      serializers.put(
          topic.valueType(),
          AvroSerdes.specific(topic.valueType(), registry, serde, false).serializer());
    }
  }

  /**
   * Producer settings: idempotent, {@code acks=all}, a short linger so concurrent requests share
   * batches, and {@code delivery.timeout.ms}/{@code max.block.ms} bounded by {@code timeout} so a
   * dead cluster fails requests instead of piling them up.
   */
  public static Map<String, Object> producerConfig(String bootstrapServers, Duration timeout) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    // Issuance events go out one or a few per batch (each answer waits for its ack), where lz4
    // saved little and cost CPU in the producer and the broker: ~12% more tokens/s without it.
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
    int request = (int) Math.max(1000, timeout.toMillis());
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, request);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, request + 1);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-issuer");
    return config;
  }

  /** A producer for {@link #producerConfig}. */
  public static Producer<String, byte[]> producer(Map<String, Object> config) {
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  @Override
  public void tokenIssued(TokenIssued event) {
    await(List.of(send(Topics.TOKEN_ISSUED, event.getTokenId(), event)), "TokenIssued");
  }

  @Override
  public void issuanceDenied(IssuanceDenied event) {
    await(List.of(send(Topics.ISSUANCE_DENIED, event.getClientId(), event)), "IssuanceDenied");
  }

  @Override
  public RevocationReceipt revocation(RevocationRequested request, Revocation fastPath) {
    String key = FeedKey.of(request.getSelector().getKind(), request.getSelector().getValue());
    // Both in flight at once; the call returns when both are durable.
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    sent.add(send(Topics.REVOCATION_REQUESTS, key, request));
    sent.add(send(Topics.REVOCATION_FAST_PATH, key, fastPath));
    // Send now rather than after linger.ms: the caller waits for these acknowledgements, and
    // every validator waits for the fast-path record. flush() also waits for records other
    // threads sent before, which are already in flight and bounded by delivery.timeout.ms.
    flush("RevocationRequested");
    List<RecordMetadata> landed = await(sent, "RevocationRequested");
    return new RevocationReceipt(
        request.getEventId(), landed(landed.get(0)), landed(landed.get(1)));
  }

  private static RevocationReceipt.Landed landed(RecordMetadata metadata) {
    return new RevocationReceipt.Landed(metadata.topic(), metadata.partition(), metadata.offset());
  }

  /** How long a call waits for an acknowledgement. */
  Duration timeout() {
    return timeout;
  }

  /** Sends one record of any catalogue topic this log serializes (the grant store uses it). */
  <V extends SpecificRecord> Future<RecordMetadata> send(
      Topic<String, V> topic, String key, V value) {
    @SuppressWarnings("unchecked") // the map holds each topic's value type's own serializer
    Serializer<V> serializer =
        (Serializer<V>) requireNonNull(serializers.get(topic.valueType()), topic.valueTypeName());
    try {
      byte[] bytes = serializer.serialize(topic.name(), value);
      return producer.send(new ProducerRecord<>(topic.name(), key, bytes));
    } catch (KafkaException e) {
      throw new EventLogUnavailableException(
          "could not send " + topic.valueTypeName() + ": " + e.getMessage(), e);
    }
  }

  private void flush(String what) {
    try {
      producer.flush();
    } catch (KafkaException e) {
      throw new EventLogUnavailableException("could not send " + what + ": " + e.getMessage(), e);
    }
  }

  /** Waits for every record's acknowledgement; returns their metadata in the same order. */
  List<RecordMetadata> await(List<Future<RecordMetadata>> futures, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<RecordMetadata> acknowledged = new ArrayList<>(futures.size());
    for (Future<RecordMetadata> future : futures) {
      try {
        acknowledged.add(
            future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        throw new EventLogUnavailableException(
            what + " not acknowledged: " + cause.getMessage(), cause);
      } catch (TimeoutException e) {
        throw new EventLogUnavailableException(
            what + " not acknowledged within " + timeout.toMillis() + " ms", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EventLogUnavailableException("interrupted waiting for " + what, e);
      }
    }
    return acknowledged;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
