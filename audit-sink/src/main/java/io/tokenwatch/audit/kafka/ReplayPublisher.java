package io.tokenwatch.audit.kafka;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * Publishes a replay to one topic and fails it if the producer did not write a record: the next
 * send after a failure, or {@link #finish()}, throws {@link ReplayFailure}. Used by the replay from
 * the store and by the replay from Kafka. Not thread-safe (the producer's callbacks are).
 */
public final class ReplayPublisher {

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final AtomicReference<@Nullable Exception> failure = new AtomicReference<>();
  private final AtomicLong acknowledged = new AtomicLong();
  private long sent;

  public ReplayPublisher(Producer<byte[], byte[]> producer, String topic) {
    this.producer = requireNonNull(producer, "producer");
    this.topic = requireNonNull(topic, "topic");
  }

  /**
   * Sends one record to the topic, to the partition its key picks.
   *
   * @throws ReplayFailure if an earlier record was not written
   */
  public void send(long timestamp, byte @Nullable [] key, byte[] value, Iterable<Header> headers) {
    failIfAnyFailed();
    Future<RecordMetadata> unused =
        producer.send(
            new ProducerRecord<>(topic, null, timestamp, key, value, headers),
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
   * Sends a record read from Kafka byte for byte: its key, value, timestamp and headers.
   *
   * @throws ReplayFailure if an earlier record was not written
   */
  public void copy(ConsumerRecord<byte[], byte[]> record) {
    send(record.timestamp(), record.key(), record.value(), record.headers());
  }

  /** Records sent so far. */
  public long sent() {
    return sent;
  }

  /**
   * Waits until every record sent is written.
   *
   * @return how many were written
   * @throws ReplayFailure if any was not (the ones before it may be on the topic)
   */
  public long finish() {
    producer.flush();
    failIfAnyFailed();
    return acknowledged.get();
  }

  private void failIfAnyFailed() {
    Exception failed = failure.get();
    if (failed != null) {
      throw new ReplayFailure(
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
