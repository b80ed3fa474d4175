package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * Reads only {@code selector.issued_before} and {@code forget_after} of a {@code Revocation} value
 * in Confluent wire format (magic byte, 4-byte schema id, Avro binary), skipping every other field
 * by the writer schema fetched from the registry by id, so fields a newer writer added are skipped
 * as well. The strings a validator never uses (event id, requester, detail, the selector's value,
 * which the key repeats) are passed over without being decoded.
 *
 * <p>It refuses exactly what the full decode ({@code AvroDeserializer} into the generated class)
 * refuses for a value written with a schema the generated class knows: a short header, a magic byte
 * other than 0, an unknown schema id (or a registry that cannot answer), a writer schema the
 * generated class cannot read, a truncated body, trailing bytes, and in every field it skips a
 * negative or oversized length, an enum symbol index or a union branch index out of range. For a
 * field the generated class does not know (one a newer writer added) it checks the same, where
 * Avro's resolving decoder skips such a field unchecked: it may then refuse a value the full decode
 * accepts, never the reverse, and a refused value is revoked by its key, which is the safe side.
 *
 * <p>Why not Avro's own projection (a {@code GenericDatumReader} with a reader schema holding only
 * the two fields): its resolving decoder skips the fields the reader schema leaves out without the
 * checks above (it does not bound enum indexes, and moves back on a negative string length), so a
 * corrupt value that the full decode rejects, and that the feed must therefore count unreadable and
 * revoke by key, could instead be read into a wrong watermark. The property test {@code
 * ProjectedRevocationReaderPropertiesTest} holds this reader to the full decode on valid and on
 * corrupted values.
 *
 * <p>Thread-safe; the plan for each writer schema id is made once.
 */
final class ProjectedRevocationReader implements RevocationValueReader {

  private static final byte MAGIC_BYTE = 0;
  private static final int HEADER_SIZE = 5;
  private static final ThreadLocal<@Nullable BinaryDecoder> DECODERS = new ThreadLocal<>();

  private static final byte SKIP = 0;
  private static final byte FORGET_AFTER = 1;
  private static final byte SELECTOR = 2;
  private static final byte ISSUED_BEFORE = 3;

  private final SchemaRegistryClient registry;
  private final Map<Integer, Plan> plans = new ConcurrentHashMap<>();

  ProjectedRevocationReader(SchemaRegistryClient registry) {
    this.registry = requireNonNull(registry, "registry");
  }

  /**
   * What to do with each field of one writer record schema, in the writer's order; the top-level
   * plan holds the plan of the {@code selector} field's record.
   */
  private static final class Plan {
    final Schema[] fields;
    final byte[] actions;
    final @Nullable Plan selector;

    Plan(Schema[] fields, byte[] actions, @Nullable Plan selector) {
      this.fields = fields;
      this.actions = actions;
      this.selector = selector;
    }
  }

  @Override
  public RevocationFields read(String topic, Headers headers, byte[] data) {
    if (data.length < HEADER_SIZE) {
      throw bad(topic, "the payload is " + data.length + " byte(s), shorter than the header");
    }
    if (data[0] != MAGIC_BYTE) {
      throw bad(topic, String.format("unknown magic byte 0x%02x, expected 0x00", data[0] & 0xff));
    }
    int id =
        ((data[1] & 0xff) << 24)
            | ((data[2] & 0xff) << 16)
            | ((data[3] & 0xff) << 8)
            | (data[4] & 0xff);
    Plan plan = plans.get(id);
    if (plan == null) {
      plan = plan(topic, id);
      plans.put(id, plan);
    }
    BinaryDecoder in =
        DecoderFactory.get()
            .binaryDecoder(data, HEADER_SIZE, data.length - HEADER_SIZE, DECODERS.get());
    DECODERS.set(in);
    RevocationFields fields;
    try {
      fields = read(plan, in);
      if (!in.isEnd()) {
        throw bad(topic, "trailing bytes after the record of schema id " + id);
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof SerializationException s) {
        throw s;
      }
      throw new SerializationException(
          "Cannot read the revocation of topic '" + topic + "' (schema id " + id + "): " + e, e);
    }
    return fields;
  }

  private static RevocationFields read(Plan plan, BinaryDecoder in) throws IOException {
    Long issuedBefore = null;
    long forgetAfter = 0;
    boolean forgetAfterRead = false;
    Schema[] fields = plan.fields;
    byte[] actions = plan.actions;
    for (int i = 0; i < fields.length; i++) {
      switch (actions[i]) {
        case FORGET_AFTER -> {
          Long value = readLong(fields[i], in);
          if (value == null) {
            throw new AvroTypeException("forget_after is null");
          }
          forgetAfter = value;
          forgetAfterRead = true;
        }
        case SELECTOR -> issuedBefore = readSelector(requireNonNull(plan.selector), in);
        default -> skip(fields[i], in);
      }
    }
    if (!forgetAfterRead) {
      throw new AvroTypeException("the writer schema has no forget_after");
    }
    return new RevocationFields(issuedBefore, forgetAfter);
  }

  private static @Nullable Long readSelector(Plan plan, BinaryDecoder in) throws IOException {
    Long issuedBefore = null;
    Schema[] fields = plan.fields;
    byte[] actions = plan.actions;
    for (int i = 0; i < fields.length; i++) {
      if (actions[i] == ISSUED_BEFORE) {
        issuedBefore = readLong(fields[i], in);
      } else {
        skip(fields[i], in);
      }
    }
    return issuedBefore;
  }

  /** A long written as a long, an int (promoted), or a union of those and null. */
  private static @Nullable Long readLong(Schema schema, BinaryDecoder in) throws IOException {
    return switch (schema.getType()) {
      case LONG -> in.readLong();
      case INT -> (long) in.readInt();
      case NULL -> null;
      case UNION -> readLong(branch(schema, in), in);
      default -> throw new AvroTypeException("cannot read " + schema + " as a long");
    };
  }

  private static Schema branch(Schema union, BinaryDecoder in) throws IOException {
    int index = in.readIndex();
    List<Schema> types = union.getTypes();
    if (index < 0 || index >= types.size()) {
      throw new AvroTypeException("union branch " + index + " out of range of " + types.size());
    }
    return types.get(index);
  }

  /** Passes over a value of {@code schema}, checking what the full decode checks. */
  private static void skip(Schema schema, BinaryDecoder in) throws IOException {
    switch (schema.getType()) {
      case NULL -> {}
      case BOOLEAN -> in.readBoolean();
      case INT -> in.readInt();
      case LONG -> in.readLong();
      case FLOAT -> in.readFloat();
      case DOUBLE -> in.readDouble();
      case STRING, BYTES -> skipLength(in);
      case FIXED -> in.skipFixed(schema.getFixedSize());
      case ENUM -> {
        int index = in.readEnum();
        if (index < 0 || index >= schema.getEnumSymbols().size()) {
          throw new AvroTypeException("enum symbol " + index + " out of range of " + schema);
        }
      }
      case UNION -> skip(branch(schema, in), in);
      case RECORD -> {
        for (Schema.Field field : schema.getFields()) {
          skip(field.schema(), in);
        }
      }
      case ARRAY -> {
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
          for (long i = 0; i < n; i++) {
            skip(schema.getElementType(), in);
          }
        }
      }
      case MAP -> {
        for (long n = in.readMapStart(); n != 0; n = in.mapNext()) {
          for (long i = 0; i < n; i++) {
            skipLength(in);
            skip(schema.getValueType(), in);
          }
        }
      }
    }
  }

  /** A string's or bytes' length and content; {@code skipFixed} fails past the end. */
  private static void skipLength(BinaryDecoder in) throws IOException {
    long length = in.readLong();
    if (length < 0 || length > Integer.MAX_VALUE) {
      throw new AvroTypeException("malformed length " + length);
    }
    in.skipFixed((int) length);
  }

  private Plan plan(String topic, int id) {
    Schema writer;
    try {
      writer = registry.getById(id);
    } catch (SchemaRegistryException e) {
      throw new SerializationException(
          "Cannot read the revocation of topic '" + topic + "': schema id " + id + ": " + e, e);
    }
    SchemaCompatibility.SchemaPairCompatibility compatibility =
        SchemaCompatibility.checkReaderWriterCompatibility(Revocation.getClassSchema(), writer);
    if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE
        || writer.getType() != Schema.Type.RECORD) {
      throw bad(
          topic,
          "data written with schema id "
              + id
              + " ("
              + writer.getFullName()
              + ") cannot be read as a Revocation: "
              + compatibility.getResult().getIncompatibilities());
    }
    List<Schema.Field> fields = writer.getFields();
    Schema[] schemas = new Schema[fields.size()];
    byte[] actions = new byte[fields.size()];
    Plan selector = null;
    for (int i = 0; i < schemas.length; i++) {
      Schema.Field field = fields.get(i);
      schemas[i] = field.schema();
      if (field.name().equals("forget_after")) {
        actions[i] = FORGET_AFTER;
      } else if (field.name().equals("selector")
          && field.schema().getType() == Schema.Type.RECORD) {
        actions[i] = SELECTOR;
        selector = selectorPlan(field.schema());
      } else {
        actions[i] = SKIP;
      }
    }
    if (selector == null) {
      throw bad(topic, "schema id " + id + " has no selector record");
    }
    return new Plan(schemas, actions, selector);
  }

  private static Plan selectorPlan(Schema selector) {
    List<Schema.Field> fields = selector.getFields();
    Schema[] schemas = new Schema[fields.size()];
    byte[] actions = new byte[fields.size()];
    for (int i = 0; i < schemas.length; i++) {
      schemas[i] = fields.get(i).schema();
      actions[i] = fields.get(i).name().equals("issued_before") ? ISSUED_BEFORE : SKIP;
    }
    return new Plan(schemas, actions, null);
  }

  private static SerializationException bad(String topic, String what) {
    return new SerializationException(
        "Cannot read the revocation of topic '" + topic + "': " + what);
  }
}
