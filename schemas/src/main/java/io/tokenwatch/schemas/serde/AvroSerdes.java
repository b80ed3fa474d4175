package io.tokenwatch.schemas.serde;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * Factories for ready-to-use Avro serdes sharing a {@link SchemaRegistryClient}. Serdes made here
 * are already configured; Kafka will not (and must not) call {@code configure} on them.
 */
public final class AvroSerdes {
  private AvroSerdes() {}

  /**
   * A serde for a generated class. The deserializer reads with {@code type}'s schema as the reader
   * schema, resolving from the writer schema, so data written with compatible older or newer
   * schemas reads as {@code type}.
   *
   * @param type the generated class
   * @param registry the registry client, typically shared by every serde of the application
   * @param config serde settings ({@code auto.register.schemas}, {@code use.latest.version}, cache
   *     capacity); its registry connection settings are not used here
   * @param isKey whether the serde is for record keys (subject {@code <topic>-key})
   */
  public static <T extends SpecificRecord> AvroSerde<T> specific(
      Class<T> type, SchemaRegistryClient registry, SerdeConfig config, boolean isKey) {
    requireNonNull(type, "type");
    requireNonNull(registry, "registry");
    requireNonNull(config, "config");
    return new AvroSerde<>(
        new AvroSerializer<>(registry, config, isKey),
        new AvroDeserializer<>(
            registry, config, isKey, new AvroDeserializer.ReaderKind.Specific(type)));
  }

  /**
   * A serde for generic records. The deserializer reads with the writer schema, so records come
   * back exactly as written.
   *
   * @param registry the registry client, typically shared by every serde of the application
   * @param config serde settings; its registry connection settings are not used here
   * @param isKey whether the serde is for record keys (subject {@code <topic>-key})
   */
  public static AvroSerde<GenericRecord> generic(
      SchemaRegistryClient registry, SerdeConfig config, boolean isKey) {
    requireNonNull(registry, "registry");
    requireNonNull(config, "config");
    return new AvroSerde<>(
        new AvroSerializer<>(registry, config, isKey),
        new AvroDeserializer<>(registry, config, isKey, new AvroDeserializer.ReaderKind.Generic()));
  }
}
