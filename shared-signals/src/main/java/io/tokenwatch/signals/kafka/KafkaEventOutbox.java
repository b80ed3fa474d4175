package io.tokenwatch.signals.kafka;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwatch.signals.EventOutbox;
import io.tokenwatch.signals.SecurityEvent;
import io.tokenwatch.signals.SignalStream;
import io.tokenwatch.signals.set.SetSigner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The {@link EventOutbox} on {@code tokenwatch.ssf-events}: each event is signed as a SET for its
 * stream and produced keyed by stream id (so one stream's SETs stay in order on one partition),
 * value the compact serialization as UTF-8. The producer must be idempotent with {@code acks=all}.
 * Headers {@value #JTI_HEADER} and {@value #STREAM_HEADER} let readers skip without parsing.
 *
 * <p>Thread-safe (the producer is).
 */
public final class KafkaEventOutbox implements EventOutbox {

  /** Header carrying the SET's {@code jti}. */
  public static final String JTI_HEADER = "tokenwatch.ssf.jti";

  /** Header carrying the stream id (also the key). */
  public static final String STREAM_HEADER = "tokenwatch.ssf.stream";

  /** Counter of SETs produced, tagged by event type. */
  static final String PRODUCED = "tokenwatch.ssf.sets.produced";

  private final Producer<String, byte[]> producer;
  private final SetSigner signer;
  private final String topic;
  private final Duration timeout;
  private final MeterRegistry meters;

  /**
   * @param producer an idempotent producer with {@code acks=all}, String keys, byte[] values
   * @param signer signs the SETs
   * @param topic {@code tokenwatch.ssf-events}
   * @param timeout how long {@link #send} waits for the broker's acknowledgement
   */
  public KafkaEventOutbox(
      Producer<String, byte[]> producer,
      SetSigner signer,
      String topic,
      Duration timeout,
      MeterRegistry meters) {
    this.producer = requireNonNull(producer, "producer");
    this.signer = requireNonNull(signer, "signer");
    this.topic = requireNonNull(topic, "topic");
    this.timeout = requireNonNull(timeout, "timeout");
    this.meters = requireNonNull(meters, "meters");
  }

  @Override
  public void send(SignalStream stream, SecurityEvent event) {
    Future<RecordMetadata> sent = sendAsync(stream, event);
    try {
      sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while queueing SET " + event.jti(), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "SET " + event.jti() + " for stream " + stream.streamId() + " is not durable", e);
    }
  }

  /** Signs and produces; the future completes once the SET is durable. */
  Future<RecordMetadata> sendAsync(SignalStream stream, SecurityEvent event) {
    requireNonNull(stream, "stream");
    requireNonNull(event, "event");
    String set = signer.sign(stream.audience(), event);
    RecordHeaders headers = new RecordHeaders();
    headers.add(JTI_HEADER, event.jti().getBytes(StandardCharsets.UTF_8));
    headers.add(STREAM_HEADER, stream.streamId().getBytes(StandardCharsets.UTF_8));
    Counter counter =
        Counter.builder(PRODUCED)
            .description("SETs signed and queued on tokenwatch.ssf-events")
            .tag("type", event.type().name().toLowerCase(java.util.Locale.ROOT))
            .register(meters);
    return producer.send(
        new ProducerRecord<>(
            topic, null, stream.streamId(), set.getBytes(StandardCharsets.UTF_8), headers),
        (metadata, error) -> {
          if (error == null) {
            counter.increment();
          }
        });
  }
}
