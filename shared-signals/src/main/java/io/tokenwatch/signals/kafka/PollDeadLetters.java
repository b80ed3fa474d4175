package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.signals.PollErrors;
import io.tokenwatch.signals.PollState;
import io.tokenwatch.signals.SignalStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Records SETs a poll receiver reported in {@code setErrs} on {@code tokenwatch.dead-letters}, the
 * SET byte for byte under its stream id, with the headers every dead letter carries (the names
 * Kafka Streams' dead-letter queue uses): {@value #ERROR_TOPIC}, {@value #ERROR_PARTITION} and
 * {@value #ERROR_OFFSET} say where the SET was queued, {@value #ERROR_EXCEPTION} holds the
 * receiver's {@code err} and {@value #ERROR_MESSAGE} its {@code description}; {@value #STREAM},
 * {@value #RECEIVER} and {@value #JTI} name the stream, its receiver and the SET. Thread-safe.
 */
public final class PollDeadLetters implements PollErrors, AutoCloseable {

  public static final String ERROR_TOPIC = "__streams.errors.topic";
  public static final String ERROR_PARTITION = "__streams.errors.partition";
  public static final String ERROR_OFFSET = "__streams.errors.offset";
  public static final String ERROR_EXCEPTION = "__streams.errors.exception";
  public static final String ERROR_MESSAGE = "__streams.errors.message";
  public static final String STREAM = "ssf.stream_id";
  public static final String RECEIVER = "ssf.receiver";
  public static final String JTI = "ssf.jti";

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final String eventsTopic;
  private final Duration timeout;
  private final PartitionOf partitions;

  /** Where a stream's SETs are queued: the partition of its id on the SET topic. */
  @FunctionalInterface
  public interface PartitionOf {
    int partition(String streamId);
  }

  /**
   * @param kafka the Kafka client settings
   * @param topic the dead-letter topic
   * @param eventsTopic the SET topic the reported SETs came from
   * @param partitions the partition of a stream's SETs on {@code eventsTopic}
   * @param timeout how long a write may take before it fails as retriable
   */
  public PollDeadLetters(
      Map<String, Object> kafka,
      String topic,
      String eventsTopic,
      PartitionOf partitions,
      Duration timeout) {
    this.topic = requireNonNull(topic, "topic");
    this.eventsTopic = requireNonNull(eventsTopic, "eventsTopic");
    this.partitions = requireNonNull(partitions, "partitions");
    this.timeout = requireNonNull(timeout, "timeout");
    Map<String, Object> settings = new HashMap<>(requireNonNull(kafka, "kafka"));
    settings.put(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-ssf-poll-dead-letters");
    settings.put(ProducerConfig.ACKS_CONFIG, "all");
    settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    this.producer = new KafkaProducer<>(settings);
  }

  @Override
  public void record(SignalStream stream, List<PollState.Reported> errors) {
    requireNonNull(stream, "stream");
    requireNonNull(errors, "errors");
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try {
      for (PollState.Reported error : errors) {
        Headers headers = new RecordHeaders();
        header(headers, ERROR_TOPIC, eventsTopic);
        header(headers, ERROR_PARTITION, Integer.toString(partitions.partition(stream.streamId())));
        header(headers, ERROR_OFFSET, Long.toString(error.set().offset()));
        header(headers, ERROR_EXCEPTION, error.error().err());
        String description = error.error().description();
        header(headers, ERROR_MESSAGE, description == null ? "" : description);
        header(headers, STREAM, stream.streamId());
        header(headers, RECEIVER, stream.receiver());
        header(headers, JTI, error.set().jti());
        sent.add(
            producer.send(
                new ProducerRecord<>(
                    topic,
                    null,
                    stream.streamId().getBytes(StandardCharsets.UTF_8),
                    error.set().compact().getBytes(StandardCharsets.UTF_8),
                    headers)));
      }
      for (Future<RecordMetadata> future : sent) {
        future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted recording SET errors", e);
    } catch (ExecutionException | TimeoutException | KafkaException e) {
      throw new IllegalStateException("recording SET errors failed: " + e, e);
    }
  }

  private static void header(Headers headers, String name, String value) {
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
