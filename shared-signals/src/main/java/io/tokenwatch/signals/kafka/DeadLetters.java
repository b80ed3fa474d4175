package io.tokenwatch.signals.kafka;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes records the transmitter cannot use to {@code tokenwatch.dead-letters}, the way every
 * Tokenwatch service does: original key, value and headers, plus the headers Kafka Streams' own
 * dead-letter queue uses (source topic, partition, offset, exception class and message).
 */
final class DeadLetters {

  static final String TOPIC = "__streams.errors.topic";
  static final String PARTITION = "__streams.errors.partition";
  static final String OFFSET = "__streams.errors.offset";
  static final String EXCEPTION = "__streams.errors.exception";
  static final String MESSAGE = "__streams.errors.message";

  private final Producer<byte[], byte[]> producer;
  private final String deadLetterTopic;

  DeadLetters(Producer<byte[], byte[]> producer, String deadLetterTopic) {
    this.producer = producer;
    this.deadLetterTopic = deadLetterTopic;
  }

  /** Queues the dead letter; the future completes once it is durable. */
  Future<RecordMetadata> send(
      ConsumerRecord<?, ?> source, byte[] key, byte[] value, String exception, String message) {
    Headers headers = new RecordHeaders(source.headers().toArray());
    header(headers, TOPIC, source.topic());
    header(headers, PARTITION, Integer.toString(source.partition()));
    header(headers, OFFSET, Long.toString(source.offset()));
    header(headers, EXCEPTION, exception);
    header(headers, MESSAGE, message);
    Long timestamp = source.timestamp() >= 0 ? source.timestamp() : null;
    return producer.send(
        new ProducerRecord<>(deadLetterTopic, null, timestamp, key, value, headers));
  }

  private static void header(Headers headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
