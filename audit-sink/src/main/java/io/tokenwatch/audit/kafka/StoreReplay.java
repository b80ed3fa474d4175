package io.tokenwatch.audit.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import java.util.function.LongConsumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Re-publishes stored history to a topic: each event, in the order asked, rebuilt as the catalogue
 * record of its type ({@link StoredEvents#rebuild}), serialized by the given value serializer in
 * the Confluent wire format, keyed as its original topic keys it, stamped with its occurred_at, and
 * with headers naming where it was first read ({@link #SOURCE_TOPIC}, {@link #SOURCE_PARTITION},
 * {@link #SOURCE_OFFSET}, {@link #EVENT_ID}).
 *
 * <p>The schema id a value carries is the one of the catalogue schema under the subject of the
 * type's catalogue topic ({@code tokenwatch.token-used-value} for a {@code TokenUsed}), the very id
 * the live producers write: a replay topic carries several event types, which one {@code
 * <topic>-value} subject could not hold under the registry's compatibility rules, and a reader
 * decodes by id whatever the topic. A serializer that does not auto-register looks that id up and
 * fails if the catalogue schema is not registered there.
 *
 * <p>The producer should be idempotent ({@code enable.idempotence=true}, {@code acks=all}) so that
 * retries neither duplicate nor reorder records of a partition. The replay flushes the producer
 * before it returns and fails if any send failed.
 */
public final class StoreReplay {

  /** Header: the topic the event was first read from. */
  public static final String SOURCE_TOPIC = "tokenwatch.replay.source-topic";

  /** Header: the partition the event was first read from (decimal). */
  public static final String SOURCE_PARTITION = "tokenwatch.replay.source-partition";

  /** Header: the offset the event was first read from (decimal). */
  public static final String SOURCE_OFFSET = "tokenwatch.replay.source-offset";

  /** Header: the event id. */
  public static final String EVENT_ID = "tokenwatch.replay.event-id";

  private StoreReplay() {}

  /** The catalogue topic whose value subject holds the schema of {@code eventType}. */
  private static String subjectTopic(String eventType, String sourceTopic) {
    for (Topic<?, ?> topic : Topics.ALL) {
      if (topic.valueType().getSimpleName().equals(eventType)) {
        return topic.name();
      }
    }
    return sourceTopic;
  }

  /**
   * What a replay did.
   *
   * @param published records sent and acknowledged
   */
  public record Result(long published) {}

  /**
   * Replays every stored event matching {@code filter} (its limit ignored) in {@code order} to
   * {@code topic}.
   *
   * @param progress told the number sent so far after each record
   * @throws IllegalArgumentException if {@code topic} is one of the catalogue's (a replay must not
   *     feed the live pipeline) or a stored event cannot be rebuilt
   * @throws IllegalStateException if a send failed (the records sent before it may be on the topic)
   */
  public static Result toTopic(
      AuditQueries queries,
      AuditFilter filter,
      AuditQueries.Order order,
      String topic,
      Producer<byte[], byte[]> producer,
      Serializer<GenericRecord> values,
      LongConsumer progress) {
    requireNonNull(queries, "queries");
    requireNonNull(filter, "filter");
    requireNonNull(order, "order");
    requireNonNull(topic, "topic");
    requireNonNull(producer, "producer");
    requireNonNull(values, "values");
    requireNonNull(progress, "progress");
    if (topic.isBlank() || Topics.byName(topic).isPresent()) {
      throw new IllegalArgumentException(
          "replay must go to a new topic, not one of the catalogue's (" + topic + ")");
    }
    ReplayPublisher publisher = new ReplayPublisher(producer, topic);
    queries.replay(
        filter,
        order,
        r -> {
          SpecificRecord event = StoredEvents.rebuild(r.eventType(), r.json());
          GenericRecord record = (GenericRecord) event;
          String key = StoredEvents.key(record);
          RecordHeaders headers = new RecordHeaders();
          headers.add(SOURCE_TOPIC, r.topic().getBytes(UTF_8));
          headers.add(SOURCE_PARTITION, Integer.toString(r.partition()).getBytes(UTF_8));
          headers.add(SOURCE_OFFSET, Long.toString(r.offset()).getBytes(UTF_8));
          headers.add(EVENT_ID, r.eventId().getBytes(UTF_8));
          publisher.send(
              r.occurredAt(),
              key == null ? null : key.getBytes(UTF_8),
              values.serialize(subjectTopic(r.eventType(), r.topic()), record),
              headers);
          progress.accept(publisher.sent());
        });
    return new Result(publisher.finish());
  }
}
