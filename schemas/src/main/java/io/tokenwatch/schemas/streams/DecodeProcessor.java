package io.tokenwatch.schemas.streams;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deserializes and checks the records of one input topic inside the topology, so that a bad record
 * becomes a dead letter written in the same transaction as the input offsets (exactly once), and
 * processing continues.
 *
 * <p>Bad bytes (any {@link SerializationException}, which includes unknown schema ids) and events
 * failing their semantic check are dead-lettered with their original key, value and headers, plus
 * the headers {@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET}, {@value #EXCEPTION} and
 * {@value #MESSAGE} (the names Kafka Streams' own dead-letter queue uses from 4.2 on). Anything
 * else, notably the retriable {@code SchemaRegistryUnavailableException}, propagates: the task
 * fails, its transaction aborts, and the record is processed again once the registry answers.
 */
final class DecodeProcessor<V> implements Processor<byte[], byte[], String, Decoded<V>> {

  static final String TOPIC = "__streams.errors.topic";
  static final String PARTITION = "__streams.errors.partition";
  static final String OFFSET = "__streams.errors.offset";
  static final String EXCEPTION = "__streams.errors.exception";
  static final String MESSAGE = "__streams.errors.message";

  private static final Logger log = LoggerFactory.getLogger(DecodeProcessor.class);

  private final String topic;
  private final Deserializer<V> deserializer;
  private final EventCheck<V> check;
  private final DeadLetterListener metrics;
  private final boolean dropTombstones;
  private @Nullable ProcessorContext<String, Decoded<V>> context;

  DecodeProcessor(
      String topic,
      Deserializer<V> deserializer,
      EventCheck<V> check,
      DeadLetterListener metrics,
      boolean dropTombstones) {
    this.topic = requireNonNull(topic, "topic");
    this.deserializer = requireNonNull(deserializer, "deserializer");
    this.check = requireNonNull(check, "check");
    this.metrics = requireNonNull(metrics, "metrics");
    this.dropTombstones = dropTombstones;
  }

  @Override
  public void init(ProcessorContext<String, Decoded<V>> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    ProcessorContext<String, Decoded<V>> ctx = requireNonNull(context, "context");
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    if (record.value() == null && dropTombstones) {
      return;
    }
    V value;
    try {
      value = record.value() == null ? null : deserializer.deserialize(topic, record.value());
      if (value == null) {
        throw new SerializationException("null value (tombstone) on " + topic);
      }
      check.check(key, value);
    } catch (SerializationException | InvalidEventException e) {
      deadLetter(ctx, record, e);
      return;
    }
    ctx.forward(new Record<>(key == null ? "" : key, new Decoded.Ok<>(value), record.timestamp()));
  }

  private void deadLetter(
      ProcessorContext<String, Decoded<V>> ctx, Record<byte[], byte[]> record, Exception error) {
    Optional<RecordMetadata> metadata = ctx.recordMetadata();
    Headers headers = new RecordHeaders(record.headers().toArray());
    header(headers, TOPIC, metadata.map(RecordMetadata::topic).orElse(topic));
    header(headers, PARTITION, metadata.map(m -> Integer.toString(m.partition())).orElse("-1"));
    header(headers, OFFSET, metadata.map(m -> Long.toString(m.offset())).orElse("-1"));
    header(headers, EXCEPTION, error.getClass().getName());
    header(headers, MESSAGE, String.valueOf(error.getMessage()));
    log.warn(
        "Dead-lettering record {}-{}@{}: {}",
        metadata.map(RecordMetadata::topic).orElse(topic),
        metadata.map(RecordMetadata::partition).orElse(-1),
        metadata.map(RecordMetadata::offset).orElse(-1L),
        error.getMessage());
    metrics.deadLetter(topic, error.getClass().getSimpleName());
    ctx.forward(
        new Record<String, Decoded<V>>(
            "", new Decoded.Dead<>(record.key(), record.value()), record.timestamp(), headers));
  }

  private static void header(Headers headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
