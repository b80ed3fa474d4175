package io.tokenwatch.validator.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.schemas.registry.InMemorySchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.serde.SerdeConfig;
import io.tokenwatch.validator.RevocationIndex;
import io.tokenwatch.validator.VerifiedToken;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The projected read of a feed record ({@link ProjectedRevocationReader} and the index's byte-key
 * path) against the reference, the whole decode into the generated {@code Revocation} class with
 * string keys, as the feed read records before: random records of every selector kind, with and
 * without watermark, tombstones and corrupted values, written with the current schema, an older one
 * and a newer one (added fields of several types, an added enum symbol, a field moved), all encoded
 * by the real serializer into the Confluent wire format.
 */
class ProjectedRevocationReaderPropertiesTest {

  private static final String TOPIC = "tokenwatch.revocations";

  /** Which schema wrote a record. */
  enum Writer {
    CURRENT,
    OLDER,
    NEWER
  }

  private static final Schema NEWER_SCHEMA =
      new Schema.Parser()
          .parse(
              """
              {"type": "record", "name": "Revocation", "namespace": "io.tokenwatch.events",
               "fields": [
                {"name": "event_id", "type": "string"},
                {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                {"name": "tenant", "type": ["null", "string"], "default": null},
                {"name": "selector", "type": {"type": "record", "name": "RevocationSelector",
                  "fields": [
                   {"name": "kind", "type": {"type": "enum", "name": "SelectorKind",
                     "symbols": ["TOKEN", "GRANT", "LINEAGE", "SUBJECT", "CLIENT", "AUDIENCE",
                                 "UNKNOWN", "DEVICE"], "default": "UNKNOWN"}},
                   {"name": "value", "type": "string"},
                   {"name": "labels", "type": {"type": "map", "values": "string"}, "default": {}},
                   {"name": "issued_before", "type": ["null",
                     {"type": "long", "logicalType": "timestamp-millis"}], "default": null}]}},
                {"name": "reason", "type": {"type": "enum", "name": "RevocationReason",
                  "symbols": ["ADMIN", "CLIENT_REQUEST", "REFRESH_TOKEN_REUSE",
                              "MAX_USES_EXCEEDED", "PARENT_REVOKED", "ANOMALY_AUTO_RESPONSE",
                              "COMPROMISED", "POLICY_CHANGE", "UNKNOWN", "KEY_RETIRED"],
                  "default": "UNKNOWN"}},
                {"name": "requested_by", "type": "string"},
                {"name": "source_event_id", "type": ["null", "string"], "default": null},
                {"name": "forget_after", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                {"name": "detail", "type": ["null", "string"], "default": null},
                {"name": "use_count", "type": ["null", "long"], "default": null},
                {"name": "scores", "type": {"type": "array", "items": "double"}, "default": []},
                {"name": "digest", "type": ["null", {"type": "fixed", "name": "Digest", "size": 4}],
                 "default": null},
                {"name": "weight", "type": "float", "default": 0},
                {"name": "flag", "type": "boolean", "default": false}]}
              """);

  private static final Schema OLDER_SCHEMA =
      new Schema.Parser()
          .parse(
              """
              {"type": "record", "name": "Revocation", "namespace": "io.tokenwatch.events",
               "fields": [
                {"name": "event_id", "type": "string"},
                {"name": "occurred_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                {"name": "selector", "type": {"type": "record", "name": "RevocationSelector",
                  "fields": [
                   {"name": "kind", "type": {"type": "enum", "name": "SelectorKind",
                     "symbols": ["TOKEN", "GRANT", "SUBJECT", "CLIENT", "AUDIENCE", "UNKNOWN"],
                     "default": "UNKNOWN"}},
                   {"name": "value", "type": "string"}]}},
                {"name": "reason", "type": {"type": "enum", "name": "RevocationReason",
                  "symbols": ["ADMIN", "CLIENT_REQUEST", "UNKNOWN"], "default": "UNKNOWN"}},
                {"name": "requested_by", "type": "string"},
                {"name": "forget_after", "type": "long"}]}
              """);

  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final SerdeConfig config =
      SerdeConfig.of(Map.of(SerdeConfig.SCHEMA_REGISTRY_URL, "http://registry.invalid:8081"));
  private final Serializer<Revocation> currentWriter =
      AvroSerdes.specific(Revocation.class, registry, config, false).serializer();
  private final Serializer<GenericRecord> genericWriter =
      AvroSerdes.generic(registry, config, false).serializer();
  private final Deserializer<Revocation> fullDecode =
      AvroSerdes.specific(Revocation.class, registry, config, false).deserializer();
  private final ProjectedRevocationReader projected = new ProjectedRevocationReader(registry);

  /** One feed record to write: a tombstone when {@code tombstone}. */
  record Input(
      Writer writer,
      int kind,
      int value,
      boolean canonical,
      @Nullable Long issuedBefore,
      long forgetAfter,
      boolean tombstone) {}

  /** What a reader read: the watermark (null without) and the forget time. */
  record Read(@Nullable Long issuedBefore, long forgetAfter) {}

  /** A change to a value's Avro body: overwrite, insert or delete a byte, or truncate. */
  record Mutation(int type, double where, byte to) {}

  private static final String[] PREFIXES = {
    "token:", "grant:", "lineage:", "subject:", "client:", "audience:", "device:"
  };
  private static final List<SelectorKind> KINDS =
      List.of(
          SelectorKind.TOKEN,
          SelectorKind.GRANT,
          SelectorKind.LINEAGE,
          SelectorKind.SUBJECT,
          SelectorKind.CLIENT,
          SelectorKind.AUDIENCE);
  private static final long[] IATS = {0, 999, 1_000, 5_000, 1_000_000};

  @Provide
  Arbitrary<Input> inputs() {
    Arbitrary<@Nullable Long> watermark =
        Arbitraries.longs().between(0, 6_000).injectNull(0.6).map(w -> w);
    return Combinators.combine(
            Arbitraries.of(Writer.class),
            Arbitraries.integers().between(0, PREFIXES.length - 1),
            Arbitraries.integers().between(0, 12),
            Arbitraries.of(true, true, true, false),
            watermark,
            Arbitraries.longs().between(-5, Long.MAX_VALUE / 2),
            Arbitraries.of(false, false, false, true))
        .as(Input::new);
  }

  @Provide
  Arbitrary<List<Input>> feeds() {
    return inputs().list().ofMaxSize(120);
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.doubles().between(0, 1).ofScale(4),
            Arbitraries.bytes())
        .as(Mutation::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(3);
  }

  /**
   * Whatever the records, the index filled through the projected read holds exactly what the index
   * filled through the whole decode holds: same decision for every token against every selector.
   */
  @Property(tries = 150)
  void shouldLeaveTheIndexAsTheWholeDecodeDoes(@ForAll("feeds") List<Input> feed) {
    RevocationIndex reference = new RevocationIndex();
    RevocationIndex fast = new RevocationIndex();
    for (Input input : feed) {
      byte[] key = key(input).getBytes(StandardCharsets.UTF_8);
      byte[] value = input.tombstone() ? null : encode(input);
      applyAsBefore(reference, key, value);
      applyProjected(fast, key, value);
    }
    assertSameDecisions(reference, fast);
  }

  /**
   * A corrupted value is refused by the projected read exactly when the whole decode refuses it,
   * for a writer schema the generated class knows all fields of; for a newer writer's schema the
   * projected read may refuse more (it checks the added fields it skips), never less; where both
   * read it, they read the same.
   */
  @Property(tries = 3000)
  void shouldRefuseWhatTheWholeDecodeRefuses(
      @ForAll("inputs") Input input, @ForAll("mutations") List<Mutation> mutations) {
    // Short strings keep the body small, so that mutations land on lengths, enum symbols and
    // union branches often.
    byte[] value = encode(input, "e", String.valueOf(input.value()));
    for (Mutation m : mutations) {
      value = mutate(value, m);
    }
    Read whole = wholeDecode(value);
    Read fast = projectedRead(value);
    if (whole == null) {
      assertThat(fast).as("refused by the whole decode").isNull();
    } else if (fast == null) {
      assertThat(input.writer()).as("refused only by the projected read").isEqualTo(Writer.NEWER);
    } else {
      assertThat(fast).isEqualTo(whole);
    }
  }

  @Test
  void shouldRefuseBadFramingUnknownSchemaIdsAndIncompatibleWriters() {
    byte[] good = currentWriter.serialize(TOPIC, revocation(SelectorKind.TOKEN, "e", "t", null, 1));
    byte[] badMagic = good.clone();
    badMagic[0] = 1;
    byte[] unknownId = good.clone();
    unknownId[4] = 99;
    Schema incompatible =
        new Schema.Parser()
            .parse(
                """
                {"type": "record", "name": "Revocation", "namespace": "io.tokenwatch.events",
                 "fields": [{"name": "event_id", "type": "string"}]}
                """);
    GenericRecord partial = new GenericData.Record(incompatible);
    partial.put("event_id", "e");
    byte[] incompatibleValue = genericWriter.serialize(TOPIC, partial);
    for (byte[] bad :
        List.of(new byte[0], new byte[] {0, 0, 0}, badMagic, unknownId, incompatibleValue)) {
      assertThatThrownBy(() -> fullDecode.deserialize(TOPIC, bad))
          .isInstanceOf(SerializationException.class);
      assertThatThrownBy(
              () ->
                  projected.read(
                      TOPIC, new RecordHeaders(), ByteBuffer.wrap(bad), new RevocationFields()))
          .isInstanceOf(SerializationException.class);
    }
  }

  @Test
  void shouldRefuseEveryValueWhileTheRegistryCannotAnswer() {
    byte[] good = currentWriter.serialize(TOPIC, revocation(SelectorKind.TOKEN, "e", "t", null, 1));
    ProjectedRevocationReader fresh = new ProjectedRevocationReader(registry);
    registry.down(true);
    RevocationFields fields = new RevocationFields();
    assertThatThrownBy(() -> fresh.read(TOPIC, new RecordHeaders(), ByteBuffer.wrap(good), fields))
        .isInstanceOf(RuntimeException.class);
    registry.down(false);
    fresh.read(TOPIC, new RecordHeaders(), ByteBuffer.wrap(good), fields);
    assertThat(fields.issuedBeforeMillis()).isNull();
    assertThat(fields.forgetAfterMillis()).isEqualTo(1);
  }

  /** The feed as it read records before: string keys, the whole value decoded. */
  private void applyAsBefore(RevocationIndex index, byte[] keyBytes, byte @Nullable [] value) {
    String key = new String(keyBytes, StandardCharsets.UTF_8);
    if (value == null) {
      index.remove(key);
      return;
    }
    Read fields = wholeDecode(value);
    index.put(key, fields == null ? null : fields.issuedBefore());
  }

  /** The feed as it reads records now (RevocationFeed#apply): byte keys, the projected read. */
  private void applyProjected(RevocationIndex index, byte[] key, byte @Nullable [] value) {
    if (value == null) {
      index.remove(key);
      return;
    }
    // Inside a larger array, as a fetched record's key is.
    byte[] padded = new byte[key.length + 7];
    System.arraycopy(key, 0, padded, 3, key.length);
    Read fields = projectedRead(value);
    if (fields == null) {
      index.put(new String(key, StandardCharsets.UTF_8), null);
    } else {
      index.put(padded, 3, key.length, fields.issuedBefore());
    }
  }

  private @Nullable Read wholeDecode(byte[] value) {
    return read(RevocationValueReader.deserializing(fullDecode), ByteBuffer.wrap(value));
  }

  /** Read from inside a larger array, as the feed reads a fetched record's value. */
  private @Nullable Read projectedRead(byte[] value) {
    byte[] padded = new byte[value.length + 9];
    System.arraycopy(value, 0, padded, 4, value.length);
    return read(projected, ByteBuffer.wrap(padded, 4, value.length).slice());
  }

  private static @Nullable Read read(RevocationValueReader reader, ByteBuffer value) {
    RevocationFields fields = new RevocationFields();
    try {
      reader.read(TOPIC, new RecordHeaders(), value, fields);
    } catch (RuntimeException e) {
      return null;
    }
    return new Read(fields.issuedBeforeMillis(), fields.forgetAfterMillis());
  }

  private static void assertSameDecisions(RevocationIndex reference, RevocationIndex fast) {
    assertThat(fast.tokenIdCount()).isEqualTo(reference.tokenIdCount());
    assertThat(fast.selectorCount()).isEqualTo(reference.selectorCount());
    assertThat(fast.unknownSelectorCount()).isEqualTo(reference.unknownSelectorCount());
    for (int value = 0; value <= 12; value++) {
      for (boolean canonical : new boolean[] {true, false}) {
        String v = value(value, canonical);
        assertThat(fast.containsTokenId(v)).as(v).isEqualTo(reference.containsTokenId(v));
        for (int attribute = 0; attribute < 6; attribute++) {
          for (long iat : IATS) {
            VerifiedToken token = token(attribute, v, iat);
            assertThat(fast.revokedBy(token))
                .as("%s as attribute %d, iat %d", v, attribute, iat)
                .isEqualTo(reference.revokedBy(token));
          }
        }
      }
    }
  }

  /**
   * A token whose attribute number {@code attribute} (token id, grant, lineage...) is {@code v}.
   */
  private static VerifiedToken token(int attribute, String v, long iat) {
    String other = "00000000-0000-0000-0000-00000000ffff";
    return new VerifiedToken(
        attribute == 0 ? v : other,
        "https://issuer",
        attribute == 3 ? v : "someone",
        List.of(attribute == 5 ? v : "some-api"),
        attribute == 4 ? v : "some-client",
        Set.of("read"),
        Instant.ofEpochMilli(iat),
        null,
        Instant.ofEpochMilli(iat + 60_000),
        null,
        attribute == 1 ? v : "some-grant",
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        attribute == 2 ? List.of(v) : List.of(),
        "kid");
  }

  private static String value(int value, boolean canonical) {
    String uuid = new UUID(value * 0x9E3779B97F4A7C15L, ~value * 0xC2B2AE3D27D4EB4FL).toString();
    return canonical ? uuid : uuid.toUpperCase(Locale.ROOT);
  }

  private static String key(Input input) {
    return PREFIXES[input.kind()] + value(input.value(), input.canonical());
  }

  private byte[] encode(Input input) {
    return encode(input, UUID.randomUUID().toString(), value(input.value(), input.canonical()));
  }

  private byte[] encode(Input input, String eventId, String value) {
    return switch (input.writer()) {
      case CURRENT -> {
        SelectorKind kind = input.kind() < 6 ? KINDS.get(input.kind()) : SelectorKind.UNKNOWN;
        yield currentWriter.serialize(
            TOPIC, revocation(kind, eventId, value, input.issuedBefore(), input.forgetAfter()));
      }
      case NEWER -> genericWriter.serialize(TOPIC, newer(input, eventId, value));
      case OLDER -> genericWriter.serialize(TOPIC, older(input, eventId, value));
    };
  }

  private static Revocation revocation(
      SelectorKind kind,
      String eventId,
      String value,
      @Nullable Long issuedBefore,
      long forgetAfter) {
    return Revocation.newBuilder()
        .setEventId(eventId)
        .setOccurredAt(Instant.ofEpochMilli(1_000))
        .setSelector(
            RevocationSelector.newBuilder()
                .setKind(kind)
                .setValue(value)
                .setIssuedBefore(issuedBefore == null ? null : Instant.ofEpochMilli(issuedBefore))
                .build())
        .setReason(RevocationReason.ADMIN)
        .setRequestedBy("a")
        .setSourceEventId(issuedBefore == null ? null : "source")
        .setForgetAfter(Instant.ofEpochMilli(forgetAfter))
        .setDetail(issuedBefore == null ? "why" : null)
        .setUseCount(forgetAfter % 2 == 0 ? 3L : null)
        .build();
  }

  private static GenericRecord newer(Input input, String eventId, String value) {
    Schema selectorSchema = NEWER_SCHEMA.getField("selector").schema();
    GenericRecord selector = new GenericData.Record(selectorSchema);
    Schema kindSchema = selectorSchema.getField("kind").schema();
    selector.put(
        "kind",
        new GenericData.EnumSymbol(
            kindSchema, kindSchema.getEnumSymbols().get(input.kind() < 6 ? input.kind() : 7)));
    selector.put("value", value);
    selector.put("labels", input.forgetAfter() % 3 == 0 ? Map.of("a", "b", "c", "") : Map.of());
    selector.put("issued_before", input.issuedBefore());
    GenericRecord record = new GenericData.Record(NEWER_SCHEMA);
    record.put("event_id", eventId);
    record.put("occurred_at", 1_000L);
    record.put("tenant", input.forgetAfter() % 2 == 0 ? "acme" : null);
    record.put("selector", selector);
    record.put(
        "reason",
        new GenericData.EnumSymbol(NEWER_SCHEMA.getField("reason").schema(), "KEY_RETIRED"));
    record.put("requested_by", "b");
    record.put("source_event_id", null);
    record.put("forget_after", input.forgetAfter());
    record.put("detail", "d");
    record.put("use_count", 7L);
    record.put("scores", input.forgetAfter() % 2 == 0 ? List.of(0.5, -1.0) : List.of());
    Schema digest = NEWER_SCHEMA.getField("digest").schema().getTypes().get(1);
    record.put("digest", new GenericData.Fixed(digest, new byte[] {1, 2, 3, 4}));
    record.put("weight", 0.25f);
    record.put("flag", true);
    return record;
  }

  private static GenericRecord older(Input input, String eventId, String value) {
    Schema selectorSchema = OLDER_SCHEMA.getField("selector").schema();
    GenericRecord selector = new GenericData.Record(selectorSchema);
    Schema kindSchema = selectorSchema.getField("kind").schema();
    selector.put("kind", new GenericData.EnumSymbol(kindSchema, "SUBJECT"));
    selector.put("value", value);
    GenericRecord record = new GenericData.Record(OLDER_SCHEMA);
    record.put("event_id", eventId);
    record.put("occurred_at", 1_000L);
    record.put("selector", selector);
    record.put(
        "reason", new GenericData.EnumSymbol(OLDER_SCHEMA.getField("reason").schema(), "ADMIN"));
    record.put("requested_by", "c");
    record.put("forget_after", input.forgetAfter());
    return record;
  }

  /** Applies {@code m} to the Avro body (after the 5-byte header), never to the header. */
  private static byte[] mutate(byte[] value, Mutation m) {
    int body = value.length - 5;
    int at = 5 + (int) Math.min(body, Math.floor(m.where() * (body + 1)));
    List<Byte> bytes = new ArrayList<>();
    for (byte b : value) {
      bytes.add(b);
    }
    switch (m.type()) {
      case 0 -> {
        if (at < value.length) {
          bytes.set(at, m.to());
        }
      }
      case 1 -> bytes.add(at, m.to());
      case 2 -> {
        if (at < value.length) {
          bytes.remove(at);
        }
      }
      default -> {
        return Arrays.copyOf(value, at);
      }
    }
    byte[] out = new byte[bytes.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = bytes.get(i);
    }
    return out;
  }
}
