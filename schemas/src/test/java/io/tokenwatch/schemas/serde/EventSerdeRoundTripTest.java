package io.tokenwatch.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.schemas.SampleEvents;
import io.tokenwatch.schemas.registry.InMemorySchemaRegistryClient;
import io.tokenwatch.schemas.topic.Topic;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** Every event type goes through the Confluent wire-format serde on its catalogue topic. */
class EventSerdeRoundTripTest {

  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final SerdeConfig config = SerdeConfig.of(Map.of("schema.registry.url", "http://unused"));

  @Test
  void shouldRoundTripEveryEventTypeOnItsTopic() {
    for (SpecificRecord event : SampleEvents.all()) {
      Topic<?, ?> topic = topicOf(event);
      byte[] bytes = roundTripBytes(event, topic);

      assertThat(bytes[0]).as("magic byte of %s", topic.name()).isZero();
      int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
      assertThat(registry.getLatest(topic.valueSubject()).id()).isEqualTo(id);
      assertThat(registry.getById(id)).isEqualTo(event.getSchema());
    }
  }

  @Test
  void shouldReadEveryEventTypeGenericallyAsWritten() {
    for (SpecificRecord event : SampleEvents.all()) {
      Topic<?, ?> topic = topicOf(event);
      byte[] bytes = roundTripBytes(event, topic);
      try (AvroSerde<GenericRecord> generic = AvroSerdes.generic(registry, config, false)) {
        GenericRecord read = generic.deserializer().deserialize(topic.name(), bytes);
        assertThat(read.getSchema()).isEqualTo(event.getSchema());
        assertThat(read.get("event_id"))
            .isEqualTo(event.get(event.getSchema().getField("event_id").pos()));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private <T extends SpecificRecord> byte[] roundTripBytes(T event, Topic<?, ?> topic) {
    Class<T> type = (Class<T>) event.getClass();
    try (AvroSerde<T> serde = AvroSerdes.specific(type, registry, config, false)) {
      byte[] bytes = serde.serializer().serialize(topic.name(), event);
      T back = serde.deserializer().deserialize(topic.name(), bytes);
      assertThat(back).as("round trip of %s", type.getSimpleName()).isEqualTo(event);
      return bytes;
    }
  }

  private static Topic<?, ?> topicOf(SpecificRecord event) {
    return Topics.ALL.stream()
        .filter(topic -> topic.valueType().equals(event.getClass()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no catalogue topic for " + event.getClass()));
  }
}
