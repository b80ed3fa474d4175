package io.tokenwatch.schemas.serde;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.internal.BoundedCache;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.jspecify.annotations.Nullable;

/**
 * Deserializes Confluent wire-format Avro: magic byte {@code 0x00}, the 4-byte big-endian schema
 * id, then the Avro binary encoding. The writer schema is fetched from the registry by id (once,
 * then cached).
 *
 * <p>What comes out depends on how the deserializer was made:
 *
 * <ul>
 *   <li><b>specific</b> ({@link AvroSerdes#specific}, or {@code specific.avro.reader=true} with
 *       {@code specific.avro.value.type} / {@code specific.avro.key.type}): an instance of the
 *       generated class, read with the class's schema as the reader schema and resolved from the
 *       writer schema, so data written with an older or newer compatible schema reads fine;
 *   <li><b>specific by name</b> ({@code specific.avro.reader=true} without a type key): the
 *       generated class whose full name is the writer schema's full name, read with its schema;
 *   <li><b>generic</b> ({@link AvroSerdes#generic}, or {@code specific.avro.reader=false}): a
 *       {@code GenericRecord} with the writer schema as the reader schema.
 * </ul>
 *
 * <p>Bad bytes raise {@link SerializationException} with a message saying what was wrong and for
 * which topic: empty or shorter than the 5-byte header, wrong magic byte, unknown schema id,
 * truncated payload, corrupt payload, trailing bytes, or a writer schema the reader schema cannot
 * read. A registry outage raises the retriable {@link
 * io.tokenwatch.schemas.registry.SchemaRegistryUnavailableException} instead, and any other
 * registry refusal (bad credentials, for example) its {@link SchemaRegistryException}, since the
 * bytes may well be fine.
 *
 * <p>{@code null} deserializes to {@code null} (a tombstone). Thread-safe; the datum reader for
 * each writer schema id is built once and shared.
 *
 * @param <T> the record type
 */
public final class AvroDeserializer<T> implements Deserializer<T> {

  private static final ThreadLocal<@Nullable BinaryDecoder> DECODERS = new ThreadLocal<>();

  /** How the reader schema and the record class are chosen. */
  sealed interface ReaderKind {
    /** Generic records, reader schema = writer schema. */
    record Generic() implements ReaderKind {}

    /** One generated class; its schema is the reader schema. */
    record Specific(Class<? extends SpecificRecord> type) implements ReaderKind {}

    /** The generated class named like the writer schema. */
    record SpecificByName() implements ReaderKind {}
  }

  private volatile @Nullable Engine engine;

  /** For Kafka's by-class-name construction; {@link #configure} must be called before use. */
  public AvroDeserializer() {}

  AvroDeserializer(
      SchemaRegistryClient registry, SerdeConfig config, boolean isKey, ReaderKind kind) {
    this.engine = new Engine(registry, config, isKey, kind);
  }

  /**
   * Configures a deserializer made by the no-arg constructor from Kafka-style properties (see
   * {@link SerdeConfig}): {@code specific.avro.reader} and the {@code specific.avro.*.type} keys
   * choose what it returns.
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every invalid key
   * @throws IllegalStateException if this deserializer is already configured
   */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (engine != null) {
      throw new IllegalStateException("AvroDeserializer is already configured");
    }
    SerdeConfig config = SerdeConfig.of(configs);
    engine =
        new Engine(
            new HttpSchemaRegistryClient(config.registrySettings()),
            config,
            isKey,
            kindFrom(config, isKey));
  }

  static ReaderKind kindFrom(SerdeConfig config, boolean isKey) {
    if (!config.specificAvroReader()) {
      return new ReaderKind.Generic();
    }
    Class<?> type = config.specificAvroType(isKey);
    if (type == null) {
      return new ReaderKind.SpecificByName();
    }
    // SerdeConfig has checked that the class is a SpecificRecord.
    return new ReaderKind.Specific(type.asSubclass(SpecificRecord.class));
  }

  /**
   * Deserializes {@code data} read from {@code topic}.
   *
   * @return the record, or {@code null} for {@code null} data
   * @throws SerializationException for bytes that are not a valid record (see the class comment)
   * @throws io.tokenwatch.schemas.registry.SchemaRegistryUnavailableException (retriable) if the
   *     writer schema is not cached and the registry cannot be reached
   * @throws SchemaRegistryException if the registry refuses to return the writer schema for a
   *     reason other than not knowing its id (bad credentials, for example)
   */
  @Override
  public @Nullable T deserialize(String topic, byte @Nullable [] data) {
    if (data == null) {
      return null;
    }
    Engine e = engine;
    if (e == null) {
      throw new IllegalStateException("AvroDeserializer used before configure()");
    }
    @SuppressWarnings("unchecked") // the reader kind fixes the type; see AvroSerdes
    T result = (T) e.deserialize(requireNonNull(topic, "topic"), data);
    return result;
  }

  private static final class Engine {
    private final SchemaRegistryClient registry;
    private final boolean isKey;
    private final ReaderKind kind;
    private final BoundedCache<Integer, DatumReader<Object>> readers;

    Engine(SchemaRegistryClient registry, SerdeConfig config, boolean isKey, ReaderKind kind) {
      this.registry = requireNonNull(registry, "registry");
      this.isKey = isKey;
      this.kind = requireNonNull(kind, "kind");
      this.readers = new BoundedCache<>(config.cacheCapacity());
    }

    Object deserialize(String topic, byte[] data) {
      if (data.length < WireFormat.HEADER_SIZE) {
        throw bad(
            topic,
            data.length == 0
                ? "the payload is empty; Confluent-framed Avro has at least a 5-byte header"
                    + " (magic byte, 4-byte schema id)"
                : "the payload is "
                    + data.length
                    + " byte(s), shorter than the 5-byte header (magic byte, 4-byte schema id)");
      }
      if (data[0] != WireFormat.MAGIC_BYTE) {
        throw bad(
            topic,
            String.format(
                "unknown magic byte 0x%02x, expected 0x00 (not Confluent-framed Avro)",
                data[0] & 0xff));
      }
      int id =
          ((data[1] & 0xff) << 24)
              | ((data[2] & 0xff) << 16)
              | ((data[3] & 0xff) << 8)
              | (data[4] & 0xff);
      DatumReader<Object> reader = reader(topic, id);
      int bodyLength = data.length - WireFormat.HEADER_SIZE;
      BinaryDecoder decoder =
          DecoderFactory.get()
              .binaryDecoder(data, WireFormat.HEADER_SIZE, bodyLength, DECODERS.get());
      DECODERS.set(decoder);
      Object record;
      try {
        record = reader.read(null, decoder);
      } catch (EOFException e) {
        throw bad(
            topic,
            "truncated payload: the "
                + bodyLength
                + "-byte Avro body ended before the record of schema id "
                + id
                + " was complete",
            e);
      } catch (IOException | RuntimeException e) {
        // Corrupt input surfaces as assorted runtime exceptions (bad lengths, union indexes, ...).
        throw bad(
            topic,
            "corrupt payload: the "
                + bodyLength
                + "-byte Avro body does not decode with schema id "
                + id
                + ": "
                + e,
            e);
      }
      int trailing;
      try {
        trailing = decoder.isEnd() ? 0 : Math.max(1, decoder.inputStream().available());
      } catch (IOException e) {
        throw bad(topic, "cannot check the end of the payload: " + e, e);
      }
      if (trailing > 0) {
        throw bad(
            topic,
            trailing
                + " trailing byte(s) after the record of schema id "
                + id
                + " (payload corrupt or written with another schema)");
      }
      return record;
    }

    private DatumReader<Object> reader(String topic, int id) {
      DatumReader<Object> cached = readers.get(id);
      if (cached != null) {
        return cached;
      }
      Schema writer = writerSchema(topic, id);
      DatumReader<Object> reader;
      if (kind instanceof ReaderKind.Specific specific) {
        reader = specificReader(topic, id, writer, specific.type());
      } else if (kind instanceof ReaderKind.SpecificByName) {
        reader = specificReader(topic, id, writer, classFor(topic, id, writer));
      } else {
        reader = new GenericDatumReader<>(writer, writer);
      }
      readers.put(id, reader);
      return reader;
    }

    private Schema writerSchema(String topic, int id) {
      try {
        return registry.getById(id);
      } catch (SchemaRegistryException e) {
        if (e.status() == 404) {
          throw bad(topic, "unknown schema id " + id + ": " + e.getMessage(), e);
        }
        // Bad credentials or a misbehaving registry say nothing about the bytes: a handler must
        // not dead-letter good records for them, so they are not a SerializationException.
        throw e;
      }
    }

    private Class<? extends SpecificRecord> classFor(String topic, int id, Schema writer) {
      Class<?> type = SpecificData.get().getClass(writer);
      if (type == null || !SpecificRecord.class.isAssignableFrom(type)) {
        throw bad(
            topic,
            "no generated class named "
                + writer.getFullName()
                + " (schema id "
                + id
                + ") on the classpath; set specific.avro."
                + (isKey ? "key" : "value")
                + ".type or specific.avro.reader=false");
      }
      return type.asSubclass(SpecificRecord.class);
    }

    private DatumReader<Object> specificReader(
        String topic, int id, Schema writer, Class<? extends SpecificRecord> type) {
      SpecificData model = SpecificData.getForClass(type);
      Schema readerSchema = model.getSchema(type);
      SchemaCompatibility.SchemaPairCompatibility compatibility =
          SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
      if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
        throw bad(
            topic,
            "data written with schema id "
                + id
                + " ("
                + writer.getFullName()
                + ") cannot be read as "
                + type.getName()
                + ": "
                + compatibility.getResult().getIncompatibilities());
      }
      return new SpecificDatumReader<>(writer, readerSchema, model);
    }

    private SerializationException bad(String topic, String what) {
      return new SerializationException(
          "Cannot deserialize the " + WireFormat.describe(topic, isKey) + ": " + what);
    }

    private SerializationException bad(String topic, String what, Throwable cause) {
      return new SerializationException(
          "Cannot deserialize the " + WireFormat.describe(topic, isKey) + ": " + what, cause);
    }
  }
}
