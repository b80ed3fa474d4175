package io.tokenwatch.schemas.serde;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.internal.BoundedCache;
import io.tokenwatch.schemas.registry.HttpSchemaRegistryClient;
import io.tokenwatch.schemas.registry.RegisteredSchema;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.jspecify.annotations.Nullable;

/**
 * Serializes Avro records (generated {@link SpecificRecord} classes or {@code GenericRecord}s) in
 * the Confluent wire format: magic byte {@code 0x00}, the 4-byte big-endian schema id, then the
 * Avro binary encoding. The schema id belongs to the subject {@code <topic>-value} (or {@code
 * <topic>-key}).
 *
 * <p>The id comes from registering the record's schema on first use ({@code
 * auto.register.schemas=true}, the default), or, when registering is off, from looking the schema
 * up under the subject ({@code POST /subjects/{subject}}) or taking the subject's latest version
 * ({@code use.latest.version=true}). Ids and datum writers are cached per schema, so a warm
 * serializer makes no registry call.
 *
 * <p>Create one with {@link AvroSerdes}, or by class name from Kafka properties ({@code
 * value.serializer=io.tokenwatch.schemas.serde.AvroSerializer}): the no-arg constructor plus {@link
 * #configure} build an {@link HttpSchemaRegistryClient} from {@link SerdeConfig}.
 *
 * <p>{@code null} serializes to {@code null} (a tombstone). Thread-safe: a {@code KafkaProducer}
 * may call it from many threads.
 *
 * @param <T> the record type
 */
public final class AvroSerializer<T> implements Serializer<T> {

  // Per-thread output buffers: the encoder is reused, the bytes copied out once per record.
  private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);
  private static final int MAX_RETAINED_BUFFER = 1 << 20;

  private static final class Buffer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    @Nullable BinaryEncoder encoder;
  }

  private record SubjectSchema(String subject, Schema schema) {}

  private volatile @Nullable Engine engine;

  /** For Kafka's by-class-name construction; {@link #configure} must be called before use. */
  public AvroSerializer() {}

  AvroSerializer(SchemaRegistryClient registry, SerdeConfig config, boolean isKey) {
    this.engine = new Engine(registry, config, isKey);
  }

  /**
   * Configures a serializer made by the no-arg constructor from Kafka-style properties (see {@link
   * SerdeConfig}).
   *
   * @throws org.apache.kafka.common.config.ConfigException listing every invalid key
   * @throws IllegalStateException if this serializer is already configured
   */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (engine != null) {
      throw new IllegalStateException("AvroSerializer is already configured");
    }
    SerdeConfig config = SerdeConfig.of(configs);
    engine = new Engine(new HttpSchemaRegistryClient(config.registrySettings()), config, isKey);
  }

  /**
   * Serializes {@code data} for {@code topic}.
   *
   * @return the wire-format bytes, or {@code null} for {@code null} data
   * @throws SerializationException if the data is not an Avro container, does not match its schema,
   *     or the registry refuses its schema
   * @throws io.tokenwatch.schemas.registry.SchemaRegistryUnavailableException (retriable) if the
   *     registry cannot be reached
   */
  @Override
  public byte @Nullable [] serialize(String topic, @Nullable T data) {
    if (data == null) {
      return null;
    }
    Engine e = engine;
    if (e == null) {
      throw new IllegalStateException("AvroSerializer used before configure()");
    }
    return e.serialize(requireNonNull(topic, "topic"), data);
  }

  private static final class Engine {
    private final SchemaRegistryClient registry;
    private final boolean isKey;
    private final boolean autoRegister;
    private final boolean useLatestVersion;
    private final BoundedCache<SubjectSchema, Integer> ids;
    // Per topic, the schema instance last written and its id: generated classes share one Schema
    // instance, so the steady state is an identity check, with no Schema hashing or equality.
    private final BoundedCache<String, LastId> lastIds;
    private final BoundedCache<Schema, DatumWriter<Object>> specificWriters;
    private final BoundedCache<Schema, DatumWriter<Object>> genericWriters;

    Engine(SchemaRegistryClient registry, SerdeConfig config, boolean isKey) {
      this.registry = requireNonNull(registry, "registry");
      this.isKey = isKey;
      this.autoRegister = config.autoRegisterSchemas();
      this.useLatestVersion = config.useLatestVersion();
      this.ids = new BoundedCache<>(config.cacheCapacity());
      this.lastIds = new BoundedCache<>(config.cacheCapacity());
      this.specificWriters = new BoundedCache<>(config.cacheCapacity());
      this.genericWriters = new BoundedCache<>(config.cacheCapacity());
    }

    byte[] serialize(String topic, Object data) {
      if (!(data instanceof GenericContainer container)) {
        throw new SerializationException(
            "Cannot serialize the "
                + WireFormat.describe(topic, isKey)
                + ": expected an Avro record (GenericContainer), got "
                + data.getClass().getName());
      }
      Schema schema = container.getSchema();
      int id = schemaId(topic, schema);
      DatumWriter<Object> writer = writer(schema, data instanceof SpecificRecord);
      Buffer buffer = BUFFERS.get();
      buffer.out.reset();
      buffer.out.write(WireFormat.MAGIC_BYTE);
      buffer.out.write(id >>> 24);
      buffer.out.write(id >>> 16);
      buffer.out.write(id >>> 8);
      buffer.out.write(id);
      try {
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(buffer.out, buffer.encoder);
        buffer.encoder = encoder;
        writer.write(data, encoder);
        encoder.flush();
      } catch (IOException | RuntimeException e) {
        // The reused encoder still buffers what it wrote of this record and would flush it into
        // the next record serialized on this thread, after that record's header: drop it.
        BUFFERS.remove();
        // Avro reports a record that does not match its schema with assorted runtime exceptions.
        throw new SerializationException(
            "Cannot encode the "
                + WireFormat.describe(topic, isKey)
                + " with schema "
                + schema.getFullName()
                + " (id "
                + id
                + "): "
                + e,
            e);
      }
      byte[] bytes = buffer.out.toByteArray();
      if (bytes.length > MAX_RETAINED_BUFFER) {
        BUFFERS.remove(); // do not pin one huge record's buffer to the thread
      }
      return bytes;
    }

    private int schemaId(String topic, Schema schema) {
      LastId last = lastIds.get(topic);
      @SuppressWarnings("ReferenceEquality") // identity on purpose: see lastIds
      boolean sameInstance = last != null && last.schema() == schema;
      if (sameInstance) {
        return requireNonNull(last).id();
      }
      String subject = WireFormat.subject(topic, isKey);
      SubjectSchema key = new SubjectSchema(subject, schema);
      Integer cached = ids.get(key);
      int id;
      if (cached != null) {
        id = cached;
      } else {
        id = resolveId(topic, subject, schema);
        ids.put(key, id);
      }
      lastIds.put(topic, new LastId(schema, id));
      return id;
    }

    private int resolveId(String topic, String subject, Schema schema) {
      try {
        if (autoRegister) {
          return registry.register(subject, schema);
        }
        if (useLatestVersion) {
          RegisteredSchema latest = registry.getLatest(subject);
          if (!SchemaNormalization.toParsingForm(latest.schema())
              .equals(SchemaNormalization.toParsingForm(schema))) {
            throw new SerializationException(
                "Cannot serialize the "
                    + WireFormat.describe(topic, isKey)
                    + ": the record's schema "
                    + schema.getFullName()
                    + " differs from the latest version ("
                    + latest.version()
                    + ", id "
                    + latest.id()
                    + ") of subject '"
                    + subject
                    + "' and auto.register.schemas=false");
          }
          return latest.id();
        }
        return registry.lookup(subject, schema).id();
      } catch (SchemaRegistryException e) {
        throw switch (e.reason()) {
          case SUBJECT_NOT_FOUND, SCHEMA_NOT_FOUND, VERSION_NOT_FOUND ->
              new SerializationException(
                  "Cannot serialize the "
                      + WireFormat.describe(topic, isKey)
                      + ": schema "
                      + schema.getFullName()
                      + " is not registered under subject '"
                      + subject
                      + "' and auto.register.schemas=false; register it first ("
                      + e.getMessage()
                      + ")",
                  e);
          case INCOMPATIBLE ->
              new SerializationException(
                  "Cannot serialize the "
                      + WireFormat.describe(topic, isKey)
                      + ": schema "
                      + schema.getFullName()
                      + " is incompatible with subject '"
                      + subject
                      + "': "
                      + e.getMessage(),
                  e);
          // Bad credentials, an invalid schema, ...: not about this record, so not a
          // SerializationException that a handler might skip.
          default -> e;
        };
      }
    }

    private record LastId(Schema schema, int id) {}

    private DatumWriter<Object> writer(Schema schema, boolean specific) {
      BoundedCache<Schema, DatumWriter<Object>> cache = specific ? specificWriters : genericWriters;
      DatumWriter<Object> writer = cache.get(schema);
      if (writer == null) {
        // SpecificData for the generated class carries its logical-type conversions.
        writer =
            specific
                ? new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema))
                : new GenericDatumWriter<>(schema);
        cache.put(schema, writer);
      }
      return writer;
    }
  }
}
