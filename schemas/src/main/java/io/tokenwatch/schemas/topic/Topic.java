package io.tokenwatch.schemas.topic;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * One topic of the catalogue: its name, the types of its keys and values, and its layout.
 *
 * @param name the topic name
 * @param keyType the key's Java type: {@code String} keys are UTF-8 strings, {@code byte[]} keys
 *     are passed through as they came
 * @param valueType the value's Java type: a generated Avro class (Confluent wire format) or {@code
 *     byte[]}
 * @param spec partitions, cleanup policy and retention
 * @param key what the key holds, for people
 * @param flow who writes and who reads, for people
 */
public record Topic<K, V>(
    String name, Class<K> keyType, Class<V> valueType, TopicSpec spec, String key, String flow) {

  public Topic {
    requireNonNull(name, "name");
    requireNonNull(keyType, "keyType");
    requireNonNull(valueType, "valueType");
    requireNonNull(spec, "spec");
    requireNonNull(key, "key");
    requireNonNull(flow, "flow");
    if (name.isBlank()) {
      throw new IllegalArgumentException("topic name must not be blank");
    }
  }

  /** The Avro schema of the values, when they are Avro records. */
  public Optional<Schema> valueSchema() {
    if (SpecificRecord.class.isAssignableFrom(valueType)) {
      return Optional.of(SpecificData.get().getSchema(valueType));
    }
    return Optional.empty();
  }

  /** The registry subject of the values under TopicNameStrategy ({@code <topic>-value}). */
  public String valueSubject() {
    return name + "-value";
  }

  /** The name of the value type as the README shows it. */
  public String valueTypeName() {
    return valueSchema().map(Schema::getName).orElse("bytes");
  }
}
