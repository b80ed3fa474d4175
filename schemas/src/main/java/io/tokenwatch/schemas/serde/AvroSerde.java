package io.tokenwatch.schemas.serde;

import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.jspecify.annotations.Nullable;

/**
 * An {@link AvroSerializer} and {@link AvroDeserializer} pair in the Confluent wire format. Create
 * one with {@link AvroSerdes}, or by class name ({@code default.value.serde}) followed by {@link
 * #configure}.
 *
 * <p>Thread-safe.
 *
 * @param <T> the record type
 */
public final class AvroSerde<T> implements Serde<T> {
  private @Nullable AvroSerializer<T> serializer;
  private @Nullable AvroDeserializer<T> deserializer;

  /** For Kafka's by-class-name construction; {@link #configure} must be called before use. */
  public AvroSerde() {}

  AvroSerde(AvroSerializer<T> serializer, AvroDeserializer<T> deserializer) {
    this.serializer = serializer;
    this.deserializer = deserializer;
  }

  /**
   * Configures both halves from Kafka-style properties (see {@link SerdeConfig}).
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every invalid key
   * @throws IllegalStateException if this serde is already configured
   */
  @Override
  public synchronized void configure(Map<String, ?> configs, boolean isKey) {
    if (serializer != null) {
      throw new IllegalStateException("AvroSerde is already configured");
    }
    AvroSerializer<T> s = new AvroSerializer<>();
    s.configure(configs, isKey);
    AvroDeserializer<T> d = new AvroDeserializer<>();
    d.configure(configs, isKey);
    serializer = s;
    deserializer = d;
  }

  /**
   * The serializer.
   *
   * @throws IllegalStateException before {@link #configure} on a serde built by class name
   */
  @Override
  public synchronized Serializer<T> serializer() {
    if (serializer == null) {
      throw new IllegalStateException("AvroSerde used before configure()");
    }
    return serializer;
  }

  /**
   * The deserializer.
   *
   * @throws IllegalStateException before {@link #configure} on a serde built by class name
   */
  @Override
  public synchronized Deserializer<T> deserializer() {
    if (deserializer == null) {
      throw new IllegalStateException("AvroSerde used before configure()");
    }
    return deserializer;
  }
}
