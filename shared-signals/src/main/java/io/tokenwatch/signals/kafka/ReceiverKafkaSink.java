package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.revocation.FeedKey;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.signals.receiver.RefusalReason;
import io.tokenwatch.signals.receiver.RevocationOrder;
import io.tokenwatch.signals.receiver.SignalSink;
import io.tokenwatch.signals.receiver.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * The receiver's results on Kafka, through one idempotent producer with {@code acks=all}, each call
 * waiting for the acknowledgement at most the produce timeout:
 *
 * <ul>
 *   <li>revocation requests on {@code tokenwatch.revocation-requests}, keyed by the selector's feed
 *       key ({@code subject:<sub>}) like every other writer's;
 *   <li>refused SETs on {@code tokenwatch.dead-letters}, byte for byte as received, without a key,
 *       with the dead-letter headers every component writes ({@value #ERROR_TOPIC} names the
 *       channel, {@code ssf-receiver/push} or {@code ssf-receiver/poll}; partition and offset are
 *       -1; {@value #ERROR_EXCEPTION} is the refusal reason; {@value #ERROR_MESSAGE} the RFC 8935
 *       error code and description) plus {@code tokenwatch.ssf.*} headers with err, reason, jti and
 *       iss.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class ReceiverKafkaSink implements SignalSink, AutoCloseable {

  static final String ERROR_TOPIC = "__streams.errors.topic";
  static final String ERROR_PARTITION = "__streams.errors.partition";
  static final String ERROR_OFFSET = "__streams.errors.offset";
  static final String ERROR_EXCEPTION = "__streams.errors.exception";
  static final String ERROR_MESSAGE = "__streams.errors.message";

  /** Header holding the RFC 8935 error code of a refused SET. */
  public static final String SSF_ERR = "tokenwatch.ssf.err";

  /** Header holding the refusal reason, e.g. {@code bad_signature}. */
  public static final String SSF_REASON = "tokenwatch.ssf.reason";

  /** Header holding the refused SET's {@code jti}, when it could be read. */
  public static final String SSF_JTI = "tokenwatch.ssf.jti";

  /** Header holding the refused SET's {@code iss}, when it could be read. */
  public static final String SSF_ISS = "tokenwatch.ssf.iss";

  private final Producer<String, byte[]> producer;
  private final Serializer<RevocationRequested> serializer;
  private final Duration timeout;

  /**
   * @param producer a producer configured by {@link #producerConfig}; closed by {@link #close()}
   * @param registry where the value schema is looked up (registered by the topic catalogue step)
   * @param serde serde settings
   * @param timeout how long a call waits for the acknowledgement
   */
  public ReceiverKafkaSink(
      Producer<String, byte[]> producer,
      SchemaRegistryClient registry,
      SerdeConfig serde,
      Duration timeout) {
    this.producer = requireNonNull(producer, "producer");
    this.timeout = requireNonNull(timeout, "timeout");
    this.serializer =
        AvroSerdes.specific(
                RevocationRequested.class,
                requireNonNull(registry, "registry"),
                requireNonNull(serde, "serde"),
                false)
            .serializer();
  }

  /**
   * Producer settings on top of {@code base} (bootstrap servers and overrides): idempotent, {@code
   * acks=all}, and {@code max.block.ms}/{@code delivery.timeout.ms} bounded by {@code timeout} so
   * an unreachable cluster fails a SET (which the upstream then resends) instead of piling them up.
   */
  public static Map<String, Object> producerConfig(Map<String, Object> base, Duration timeout) {
    Map<String, Object> config = new HashMap<>(base);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
    int request = (int) Math.max(1000, timeout.toMillis());
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, request);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, request + 1);
    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-ssf-receiver");
    return config;
  }

  /** A producer for {@link #producerConfig}. */
  public static Producer<String, byte[]> producer(Map<String, Object> config) {
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  /** The Avro event of {@code order}. */
  public static RevocationRequested request(RevocationOrder order) {
    requireNonNull(order, "order");
    return RevocationRequested.newBuilder()
        .setEventId(order.eventId())
        .setOccurredAt(order.occurredAt())
        .setSelector(
            RevocationSelector.newBuilder()
                .setKind(SelectorKind.SUBJECT)
                .setValue(order.subject())
                .setIssuedBefore(order.issuedBefore())
                .build())
        .setReason(RevocationReason.valueOf(order.cause().name()))
        .setRequestedBy(order.requestedBy())
        .setDetail(order.detail())
        .build();
  }

  @Override
  public void revoke(RevocationOrder order) {
    RevocationRequested request = request(order);
    String key = FeedKey.of(SelectorKind.SUBJECT, order.subject());
    String topic = Topics.REVOCATION_REQUESTS.name();
    byte[] value;
    try {
      value = serializer.serialize(topic, request);
    } catch (KafkaException e) {
      throw new SinkUnavailableException("could not serialize the revocation request", e);
    }
    await(send(new ProducerRecord<>(topic, key, value)), "RevocationRequested");
  }

  @Override
  public void refused(byte[] set, Verdict.Refused refusal, String channel) {
    requireNonNull(set, "set");
    requireNonNull(refusal, "refusal");
    requireNonNull(channel, "channel");
    RefusalReason reason = refusal.reason();
    Headers headers = new RecordHeaders();
    header(headers, ERROR_TOPIC, "ssf-receiver/" + channel);
    header(headers, ERROR_PARTITION, "-1");
    header(headers, ERROR_OFFSET, "-1");
    header(headers, ERROR_EXCEPTION, RefusalReason.class.getName() + "." + reason.name());
    header(headers, ERROR_MESSAGE, reason.err() + ": " + refusal.description());
    header(headers, SSF_ERR, reason.err());
    header(headers, SSF_REASON, reason.tag());
    header(headers, SSF_JTI, refusal.jti());
    header(headers, SSF_ISS, refusal.issuer());
    await(
        send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, null, null, set, headers)),
        "dead letter");
  }

  private Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
    try {
      return producer.send(record);
    } catch (KafkaException e) {
      throw new SinkUnavailableException("could not send to " + record.topic(), e);
    }
  }

  private void await(Future<RecordMetadata> future, String what) {
    try {
      future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new SinkUnavailableException(what + " not acknowledged: " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new SinkUnavailableException(
          what + " not acknowledged within " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SinkUnavailableException("interrupted waiting for " + what, e);
    }
  }

  private static void header(Headers headers, String name, @Nullable String value) {
    if (value != null) {
      headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
