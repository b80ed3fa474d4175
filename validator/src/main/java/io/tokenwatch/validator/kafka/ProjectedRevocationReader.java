package io.tokenwatch.validator.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
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
 * checks above (Avro 1.12 skips an enum index out of range, and a string of negative length, then
 * reads on from the wrong place, where the full decode refuses both), so a corrupt value that the
 * full decode rejects, and that the feed must therefore count unreadable and revoke by key, could
 * instead be read into a wrong watermark. The property test {@code
 * ProjectedRevocationReaderPropertiesTest} holds this reader to the full decode on valid and on
 * corrupted values.
 *
 * <p>The binary encoding is read by hand ({@code Cursor}, the checks of Avro's {@code
 * BinaryDecoder}) because that decoder, configured on a byte array, copies the last bytes of every
 * value into a new buffer: a million buffers while a fresh validator loads its feed.
 *
 * <p>Thread-safe; the plan for each writer schema id is made once.
 */
final class ProjectedRevocationReader implements RevocationValueReader {

  private static final byte MAGIC_BYTE = 0;
  private static final int HEADER_SIZE = 5;

  // One cursor per thread, reused: without escape analysis (the C1-only flags a sidecar is
  // recommended) a cursor per value is a million objects at start.
  private static final ThreadLocal<Cursor> CURSORS = ThreadLocal.withInitial(Cursor::new);

  private static final byte[] NO_BYTES = new byte[0];

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
  public void read(String topic, Headers headers, ByteBuffer value, RevocationFields into) {
    byte[] data;
    int start;
    int end;
    if (value.hasArray()) {
      data = value.array();
      start = value.arrayOffset() + value.position();
      end = start + value.remaining();
    } else {
      data = new byte[value.remaining()];
      value.duplicate().get(data);
      start = 0;
      end = data.length;
    }
    int length = end - start;
    if (length < HEADER_SIZE) {
      throw bad(topic, "the payload is " + length + " byte(s), shorter than the header");
    }
    if (data[start] != MAGIC_BYTE) {
      throw bad(
          topic, String.format("unknown magic byte 0x%02x, expected 0x00", data[start] & 0xff));
    }
    int id =
        ((data[start + 1] & 0xff) << 24)
            | ((data[start + 2] & 0xff) << 16)
            | ((data[start + 3] & 0xff) << 8)
            | (data[start + 4] & 0xff);
    Plan plan = plans.get(id);
    if (plan == null) {
      plan = plan(topic, id);
      plans.put(id, plan);
    }
    Cursor in = CURSORS.get().over(data, start + HEADER_SIZE, end);
    try {
      read(plan, in, into);
      if (in.pos != end) {
        throw bad(topic, "trailing bytes after the record of schema id " + id);
      }
    } catch (EOFException | RuntimeException e) {
      if (e instanceof SerializationException s) {
        throw s;
      }
      throw new SerializationException(
          "Cannot read the revocation of topic '" + topic + "' (schema id " + id + "): " + e, e);
    } finally {
      in.over(NO_BYTES, 0, 0); // holds no fetched buffer between values
    }
  }

  /**
   * Avro's binary encoding read from a byte range, with the checks of Avro's {@code BinaryDecoder}
   * (a zig-zag varint int of at most 5 bytes, a long of at most 10), without its per-value garbage:
   * configured on a byte array it copies the last bytes of every value into a new buffer.
   */
  private static final class Cursor {
    byte[] data = NO_BYTES;
    int pos;
    int end;

    /** Reads {@code data} from {@code pos} to {@code end} from now on. */
    Cursor over(byte[] data, int pos, int end) {
      this.data = data;
      this.pos = pos;
      this.end = end;
      return this;
    }

    int readInt() throws EOFException {
      int n = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        if (pos >= end) {
          throw new EOFException();
        }
        int b = data[pos++] & 0xff;
        n ^= (b & 0x7f) << shift;
        if (b <= 0x7f) {
          return (n >>> 1) ^ -(n & 1);
        }
      }
      throw new AvroTypeException("Invalid int encoding");
    }

    long readLong() throws EOFException {
      long n = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        if (pos >= end) {
          throw new EOFException();
        }
        int b = data[pos++] & 0xff;
        n ^= (long) (b & 0x7f) << shift;
        if (b <= 0x7f) {
          return (n >>> 1) ^ -(n & 1);
        }
      }
      throw new AvroTypeException("Invalid long encoding");
    }

    void skip(long bytes) throws EOFException {
      if (bytes < 0) {
        throw new AvroTypeException("malformed length " + bytes);
      }
      if (bytes > end - pos) {
        throw new EOFException();
      }
      pos += (int) bytes;
    }

    /** An array's or map's next block count, as {@code BinaryDecoder} reads it. */
    long readCount() throws EOFException {
      long count = readLong();
      if (count < 0) {
        readLong(); // the block's size in bytes
        count = -count;
      }
      if (count < 0 || count > Integer.MAX_VALUE - 8) {
        throw new AvroTypeException("malformed item count " + count);
      }
      return count;
    }
  }

  private static void read(Plan plan, Cursor in, RevocationFields into) throws EOFException {
    boolean hasIssuedBefore = false;
    long issuedBefore = 0;
    long forgetAfter = 0;
    boolean forgetAfterRead = false;
    Schema[] fields = plan.fields;
    byte[] actions = plan.actions;
    for (int i = 0; i < fields.length; i++) {
      switch (actions[i]) {
        case FORGET_AFTER -> {
          Schema schema = nonNull(fields[i], in);
          if (schema == null) {
            throw new AvroTypeException("forget_after is null");
          }
          forgetAfter = readLong(schema, in);
          forgetAfterRead = true;
        }
        case SELECTOR -> {
          Plan selector = requireNonNull(plan.selector);
          for (int j = 0; j < selector.fields.length; j++) {
            if (selector.actions[j] == ISSUED_BEFORE) {
              Schema schema = nonNull(selector.fields[j], in);
              hasIssuedBefore = schema != null;
              issuedBefore = schema == null ? 0 : readLong(schema, in);
            } else {
              skip(selector.fields[j], in);
            }
          }
        }
        default -> skip(fields[i], in);
      }
    }
    if (!forgetAfterRead) {
      throw new AvroTypeException("the writer schema has no forget_after");
    }
    into.set(hasIssuedBefore, issuedBefore, forgetAfter);
  }

  /** The branch written of a union (the schema itself otherwise); {@code null} for null. */
  private static @Nullable Schema nonNull(Schema schema, Cursor in) throws EOFException {
    Schema written = schema;
    while (written.getType() == Schema.Type.UNION) {
      written = branch(written, in);
    }
    return written.getType() == Schema.Type.NULL ? null : written;
  }

  /** A long written as a long or as an int (promoted). */
  private static long readLong(Schema schema, Cursor in) throws EOFException {
    return switch (schema.getType()) {
      case LONG -> in.readLong();
      case INT -> in.readInt();
      default -> throw new AvroTypeException("cannot read " + schema + " as a long");
    };
  }

  private static Schema branch(Schema union, Cursor in) throws EOFException {
    int index = in.readInt();
    List<Schema> types = union.getTypes();
    if (index < 0 || index >= types.size()) {
      throw new AvroTypeException("union branch " + index + " out of range of " + types.size());
    }
    return types.get(index);
  }

  /** Passes over a value of {@code schema}, checking what the full decode checks. */
  private static void skip(Schema schema, Cursor in) throws EOFException {
    switch (schema.getType()) {
      case NULL -> {}
      case BOOLEAN -> in.skip(1);
      case INT -> in.readInt();
      case LONG -> in.readLong();
      case FLOAT -> in.skip(4);
      case DOUBLE -> in.skip(8);
      case STRING, BYTES -> in.skip(in.readLong());
      case FIXED -> in.skip(schema.getFixedSize());
      case ENUM -> {
        int index = in.readInt();
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
        for (long n = in.readCount(); n != 0; n = in.readCount()) {
          for (long i = 0; i < n; i++) {
            skip(schema.getElementType(), in);
          }
        }
      }
      case MAP -> {
        for (long n = in.readCount(); n != 0; n = in.readCount()) {
          for (long i = 0; i < n; i++) {
            in.skip(in.readLong());
            skip(schema.getValueType(), in);
          }
        }
      }
    }
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
