package io.tokenwatch.schemas.streams;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Reads a topic as bytes and decodes it inside the topology, so that a bad record becomes a dead
 * letter written in the same transaction as the input offsets (exactly once), and processing
 * continues.
 *
 * <p>Bad bytes (any {@code SerializationException}, which includes unknown schema ids) and events
 * failing their {@link EventCheck} ({@link InvalidEventException}) go to {@code
 * tokenwatch.dead-letters} with their original key, value and headers, plus headers naming the
 * source topic, partition, offset, exception class and message (the names Kafka Streams' own
 * dead-letter queue uses from 4.2 on: {@link #TOPIC}, {@link #PARTITION}, {@link #OFFSET}, {@link
 * #EXCEPTION}, {@link #MESSAGE}). Anything else, notably the retriable {@code
 * SchemaRegistryUnavailableException}, propagates: the task fails, its transaction aborts, and the
 * record is processed again once the registry answers.
 */
public final class Decoding {

  public static final String TOPIC = DecodeProcessor.TOPIC;
  public static final String PARTITION = DecodeProcessor.PARTITION;
  public static final String OFFSET = DecodeProcessor.OFFSET;
  public static final String EXCEPTION = DecodeProcessor.EXCEPTION;
  public static final String MESSAGE = DecodeProcessor.MESSAGE;

  private Decoding() {}

  /**
   * Reads {@code topic} as bytes and decodes it; bad records go to the dead-letter topic as they
   * came, with the error in their headers.
   *
   * @param name prefix of every processor name this adds (e.g. {@code token-used})
   * @return the decoded events, keyed by the record key as a string ("" for a null key)
   */
  public static <V> KStream<String, V> decode(
      StreamsBuilder builder,
      Topic<String, V> topic,
      Deserializer<V> deserializer,
      EventCheck<V> check,
      String name,
      DeadLetterListener listener) {
    return decode(builder, topic, deserializer, check, name, listener, false);
  }

  /**
   * Like {@link #decode(StreamsBuilder, Topic, Deserializer, EventCheck, String,
   * DeadLetterListener)}, for a compacted topic: tombstones (null values) are dropped rather than
   * dead-lettered.
   */
  public static <V> KStream<String, V> decodeCompacted(
      StreamsBuilder builder,
      Topic<String, V> topic,
      Deserializer<V> deserializer,
      EventCheck<V> check,
      String name,
      DeadLetterListener listener) {
    return decode(builder, topic, deserializer, check, name, listener, true);
  }

  private static <V> KStream<String, V> decode(
      StreamsBuilder builder,
      Topic<String, V> topic,
      Deserializer<V> deserializer,
      EventCheck<V> check,
      String name,
      DeadLetterListener listener,
      boolean dropTombstones) {
    requireNonNull(builder, "builder");
    requireNonNull(topic, "topic");
    requireNonNull(deserializer, "deserializer");
    requireNonNull(check, "check");
    requireNonNull(name, "name");
    requireNonNull(listener, "listener");
    KStream<String, Decoded<V>> decoded =
        builder.stream(
                topic.name(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"))
            .process(
                () ->
                    new DecodeProcessor<>(
                        topic.name(), deserializer, check, listener, dropTombstones),
                Named.as(name + "-decode"));
    Map<String, KStream<String, Decoded<V>>> branches =
        decoded
            .split(Named.as(name + "-"))
            .branch((key, value) -> value instanceof Decoded.Dead<V>, Branched.as("dead"))
            .defaultBranch(Branched.as("ok"));
    requireNonNull(branches.get(name + "-dead"), "dead-letter branch")
        .map(
            (key, value) -> {
              Decoded.Dead<V> dead = (Decoded.Dead<V>) value;
              return KeyValue.pair(dead.key(), dead.value());
            },
            Named.as(name + "-dead-letter-bytes"))
        .to(
            Topics.DEAD_LETTERS.name(),
            Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                .withName(name + "-to-dead-letters"));
    return requireNonNull(branches.get(name + "-ok"), "decoded branch")
        .mapValues(value -> ((Decoded.Ok<V>) value).value(), Named.as(name + "-decoded"));
  }
}
