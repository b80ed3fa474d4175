package io.tokenwatch.cli;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jspecify.annotations.Nullable;

/**
 * Re-publishes records read from Kafka to one topic byte for byte (key, value, timestamp, headers),
 * and fails the replay if the producer did not write one of them. Not thread-safe.
 */
final class TopicPublisher {

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final AtomicReference<@Nullable Exception> failure = new AtomicReference<>();
  private final AtomicLong acknowledged = new AtomicLong();
  private long sent;

  TopicPublisher(Producer<byte[], byte[]> producer, String topic) {
    this.producer = requireNonNull(producer, "producer");
    this.topic = requireNonNull(topic, "topic");
  }

  /**
   * Sends {@code record} to the topic.
   *
   * @throws IllegalStateException if an earlier record was not written
   */
  void send(ConsumerRecord<byte[], byte[]> record) {
    failIfAnyFailed();
    Future<RecordMetadata> unused =
        producer.send(
            new ProducerRecord<>(
                topic, null, record.timestamp(), record.key(), record.value(), record.headers()),
            (metadata, e) -> {
              if (e != null) {
                failure.compareAndSet(null, e);
              } else {
                acknowledged.incrementAndGet();
              }
            });
    sent++;
  }

  /**
   * Waits until every record sent is written.
   *
   * @return how many were written
   * @throws IllegalStateException if any was not (the ones before it may be on the topic)
   */
  long finish() {
    producer.flush();
    failIfAnyFailed();
    return acknowledged.get();
  }

  private void failIfAnyFailed() {
    Exception failed = failure.get();
    if (failed != null) {
      throw new IllegalStateException(
          "replay to "
              + topic
              + " failed after "
              + acknowledged.get()
              + " of "
              + sent
              + " records: "
              + failed,
          failed);
    }
  }
}
