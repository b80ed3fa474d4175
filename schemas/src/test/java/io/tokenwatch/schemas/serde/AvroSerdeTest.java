package io.tokenwatch.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.registry.InMemorySchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import io.tokenwatch.schemas.registry.SchemaRegistryUnavailableException;
import io.tokenwatch.schemas.serde.fixtures.Grant;
import io.tokenwatch.schemas.serde.fixtures.GrantKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
  private static final String TOPIC = "tokenwatch.test";

  private static final Schema FIXED =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Fixed\",\"namespace\":\"t\",\"fields\":["
                  + "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"int\"}]}");

  /** Version 1 of the Grant fixture: no "note" field. */
  private static final Schema GRANT_V1 =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Grant\","
                  + "\"namespace\":\"io.tokenwatch.schemas.serde.fixtures\",\"fields\":["
                  + "{\"name\":\"id\",\"type\":\"string\"},"
                  + "{\"name\":\"scopes\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
                  + "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"GrantKind\","
                  + "\"symbols\":[\"ACCESS\",\"REFRESH\"]}},"
                  + "{\"name\":\"issuedAt\",\"type\":{\"type\":\"long\","
                  + "\"logicalType\":\"timestamp-millis\"}},"
                  + "{\"name\":\"parent\",\"type\":[\"null\",\"string\"],\"default\":null}]}");

  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

  private static SerdeConfig config(Object... keyValues) {
    Map<String, Object> map = new HashMap<>();
    map.put(SerdeConfig.SCHEMA_REGISTRY_URL, "http://registry.invalid:8081");
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put((String) keyValues[i], keyValues[i + 1]);
    }
    return SerdeConfig.of(map);
  }

  private static GenericRecord fixed(String s, int n) {
    GenericRecord record = new GenericData.Record(FIXED);
    record.put("s", s);
    record.put("n", n);
    return record;
  }

  private static Grant grant() {
    return Grant.newBuilder()
        .setId("g-1")
        .setScopes(List.of("read", "write"))
        .setKind(GrantKind.REFRESH)
        .setIssuedAt(Instant.ofEpochMilli(1_700_000_000_123L))
        .setParent("g-0")
        .setNote("rotated")
        .build();
  }

  private byte[] fixedBytes() {
    registry.nextId(7);
    return AvroSerdes.generic(registry, config(), false)
        .serializer()
        .serialize(TOPIC, fixed("ab", 1));
  }

  @Test
  void shouldWriteExactConfluentWireBytes() {
    assertThat(fixedBytes()).containsExactly(0x00, 0x00, 0x00, 0x00, 0x07, 0x04, 0x61, 0x62, 0x02);
  }

  @Test
  void shouldRegisterUnderTopicValueAndTopicKeySubjects() throws Exception {
    AvroSerdes.generic(registry, config(), false).serializer().serialize(TOPIC, fixed("a", 1));
    AvroSerdes.generic(registry, config(), true).serializer().serialize(TOPIC, fixed("a", 1));

    assertThat(registry.subjects()).containsExactly(TOPIC + "-value", TOPIC + "-key");
  }

  @Test
  void shouldRoundTripGenericRecordWithWriterSchema() {
    AvroSerde<GenericRecord> serde = AvroSerdes.generic(registry, config(), false);

    GenericRecord back =
        serde
            .deserializer()
            .deserialize(TOPIC, serde.serializer().serialize(TOPIC, fixed("xyz", -5)));

    assertThat(back.getSchema()).isEqualTo(FIXED);
    assertThat(back.get("s")).hasToString("xyz");
    assertThat(back.get("n")).isEqualTo(-5);
  }

  @Test
  void shouldRoundTripSpecificRecordWithEnumsLogicalTypesAndUnions() {
    AvroSerde<Grant> serde = AvroSerdes.specific(Grant.class, registry, config(), false);

    Grant back =
        serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, grant()));

    assertThat(back).isEqualTo(grant());
    assertThat(back.getIssuedAt()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_123L));
    assertThat(back.getKind()).isEqualTo(GrantKind.REFRESH);
  }

  @Test
  void shouldNotLeakAFailedRecordIntoTheNextOneOnTheSameThread() {
    AvroSerde<Grant> serde = AvroSerdes.specific(Grant.class, registry, config(), false);
    // Fails half-way: the id and the scopes are encoded, then the timestamp overflows a long.
    Grant unwritable =
        Grant.newBuilder(grant()).setId("x".repeat(500)).setIssuedAt(Instant.MAX).build();
    assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, unwritable))
        .isInstanceOf(SerializationException.class);

    byte[] next = serde.serializer().serialize(TOPIC, grant());

    assertThat(serde.deserializer().deserialize(TOPIC, next)).isEqualTo(grant());
  }

  @Test
  void shouldReadDataWrittenWithOlderSchemaIntoNewerClassFillingDefaults() {
    GenericRecord v1 = new GenericData.Record(GRANT_V1);
    v1.put("id", "g-9");
    v1.put("scopes", List.of("read"));
    v1.put("kind", new GenericData.EnumSymbol(GRANT_V1.getField("kind").schema(), "ACCESS"));
    v1.put("issuedAt", 42L);
    v1.put("parent", null);
    byte[] bytes = AvroSerdes.generic(registry, config(), false).serializer().serialize(TOPIC, v1);

    Grant v2 =
        AvroSerdes.specific(Grant.class, registry, config(), false)
            .deserializer()
            .deserialize(TOPIC, bytes);

    assertThat(v2.getId()).isEqualTo("g-9");
    assertThat(v2.getScopes()).containsExactly("read");
    assertThat(v2.getKind()).isEqualTo(GrantKind.ACCESS);
    assertThat(v2.getIssuedAt()).isEqualTo(Instant.ofEpochMilli(42));
    assertThat(v2.getNote()).isEqualTo("none");
  }

  @Test
  void shouldRefuseWriterSchemaTheReaderClassCannotRead() {
    byte[] bytes =
        AvroSerdes.generic(registry, config(), false).serializer().serialize(TOPIC, fixed("a", 1));

    assertThatThrownBy(
            () ->
                AvroSerdes.specific(Grant.class, registry, config(), false)
                    .deserializer()
                    .deserialize(TOPIC, bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("value of topic 'tokenwatch.test'")
        .hasMessageContaining("cannot be read as " + Grant.class.getName());
  }

  @Test
  void shouldPassTombstonesThroughAsNull() {
    AvroSerde<Grant> serde = AvroSerdes.specific(Grant.class, registry, config(), false);

    assertThat(serde.serializer().serialize(TOPIC, null)).isNull();
    assertThat(serde.deserializer().deserialize(TOPIC, null)).isNull();
    assertThat(registry.totalCalls()).isZero();
  }

  // ---- bad bytes ----

  private static final class Bad {
    static void assertRejected(
        InMemorySchemaRegistryClient registry, byte[] bytes, String... messageParts) {
      assertThatThrownBy(
              () ->
                  AvroSerdes.generic(registry, config(), false)
                      .deserializer()
                      .deserialize(TOPIC, bytes))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("Cannot deserialize the value of topic 'tokenwatch.test'")
          .hasMessageContainingAll(messageParts);
    }
  }

  @Test
  void shouldRejectEmptyPayload() {
    Bad.assertRejected(registry, new byte[0], "payload is empty");
  }

  @Test
  void shouldRejectPayloadShorterThanHeader() {
    Bad.assertRejected(
        registry, new byte[] {0, 0, 0}, "payload is 3 byte(s), shorter than the 5-byte header");
  }

  @Test
  void shouldRejectWrongMagicByteShowingItInHex() {
    byte[] bytes = fixedBytes();
    bytes[0] = (byte) 0xAB;
    Bad.assertRejected(registry, bytes, "unknown magic byte 0xab, expected 0x00");
  }

  @Test
  void shouldRejectUnknownSchemaId() {
    Bad.assertRejected(registry, new byte[] {0, 0, 0, 0x30, 0x39, 2}, "unknown schema id 12345");
  }

  @Test
  void shouldRejectTruncatedPayload() {
    byte[] bytes = Arrays.copyOf(fixedBytes(), 7); // string length 2 but only one byte of it
    Bad.assertRejected(registry, bytes, "truncated payload", "schema id 7");
  }

  @Test
  void shouldRejectCorruptPayload() {
    byte[] bytes = fixedBytes();
    bytes[5] = 0x03; // zig-zag -2: a negative string length
    Bad.assertRejected(registry, bytes, "corrupt payload", "schema id 7");
  }

  @Test
  void shouldRejectTrailingBytesAfterRecord() {
    byte[] good = fixedBytes();
    byte[] bytes = Arrays.copyOf(good, good.length + 2);
    Bad.assertRejected(registry, bytes, "2 trailing byte(s) after the record of schema id 7");
  }

  @Test
  void shouldRaiseRetriableErrorNotSerializationErrorWhenRegistryIsDown() {
    byte[] bytes = fixedBytes();
    InMemorySchemaRegistryClient downRegistry = new InMemorySchemaRegistryClient();
    downRegistry.down(true);

    assertThatThrownBy(
            () ->
                AvroSerdes.generic(downRegistry, config(), false)
                    .deserializer()
                    .deserialize(TOPIC, bytes))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .isNotInstanceOf(SerializationException.class);
    assertThatThrownBy(
            () ->
                AvroSerdes.generic(downRegistry, config(), false)
                    .serializer()
                    .serialize(TOPIC, fixed("a", 1)))
        .isInstanceOf(SchemaRegistryUnavailableException.class);
  }

  @Test
  void shouldNotBlameTheBytesWhenRegistryRefusesCredentials() {
    byte[] bytes = fixedBytes();
    InMemorySchemaRegistryClient locked = new InMemorySchemaRegistryClient();
    locked.refuse(new SchemaRegistryException(401, 40101, "Unauthorized"));

    assertThatThrownBy(
            () ->
                AvroSerdes.generic(locked, config(), false)
                    .deserializer()
                    .deserialize(TOPIC, bytes))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(SchemaRegistryException.Reason.AUTHENTICATION_FAILED))
        .isNotInstanceOf(SerializationException.class);
    assertThatThrownBy(
            () ->
                AvroSerdes.generic(locked, config(), false)
                    .serializer()
                    .serialize(TOPIC, fixed("a", 1)))
        .isInstanceOf(SchemaRegistryException.class)
        .isNotInstanceOf(SerializationException.class);
  }

  @Test
  void shouldReportIncompatibleSchemaAsSerializationError() {
    registry.refuse(
        new SchemaRegistryException(409, 40901, "Schema being registered is incompatible"));

    assertThatThrownBy(
            () ->
                AvroSerdes.generic(registry, config(), false)
                    .serializer()
                    .serialize(TOPIC, fixed("a", 1)))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining(
            "schema t.Fixed is incompatible with subject 'tokenwatch.test-value'");
  }

  @Test
  void shouldRejectNonAvroValueOnSerialize() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    AvroSerializer<Object> raw =
        (AvroSerializer) AvroSerdes.generic(registry, config(), false).serializer();

    assertThatThrownBy(() -> raw.serialize(TOPIC, "plain string"))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("expected an Avro record (GenericContainer), got java.lang.String");
  }

  @Test
  void shouldRejectRecordNotMatchingItsSchema() {
    GenericRecord broken = new GenericData.Record(FIXED);
    broken.put("s", "a"); // n left null

    assertThatThrownBy(
            () ->
                AvroSerdes.generic(registry, config(), false).serializer().serialize(TOPIC, broken))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining(
            "Cannot encode the value of topic 'tokenwatch.test' with schema t.Fixed");
  }

  // ---- auto.register.schemas=false ----

  @Test
  void shouldLookUpInsteadOfRegisteringWhenAutoRegisterIsOff() {
    registry.nextId(21);
    registry.register(TOPIC + "-value", FIXED);
    AvroSerializer<GenericRecord> serializer =
        (AvroSerializer<GenericRecord>)
            AvroSerdes.generic(registry, config(SerdeConfig.AUTO_REGISTER_SCHEMAS, false), false)
                .serializer();

    byte[] bytes = serializer.serialize(TOPIC, fixed("ab", 1));

    assertThat(Arrays.copyOf(bytes, 5)).containsExactly(0, 0, 0, 0, 21);
    assertThat(registry.calls("register")).isEqualTo(1); // only the setup above
    assertThat(registry.calls("lookup")).isEqualTo(1);
  }

  @Test
  void shouldRefuseSchemaTheRegistryDoesNotHaveWhenAutoRegisterIsOff() {
    assertThatThrownBy(
            () ->
                AvroSerdes.generic(registry, config("auto.register.schemas", "false"), false)
                    .serializer()
                    .serialize(TOPIC, fixed("ab", 1)))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining(
            "schema t.Fixed is not registered under subject 'tokenwatch.test-value' and"
                + " auto.register.schemas=false");
    assertThat(registry.calls("register")).isZero();
  }

  @Test
  void shouldUseLatestVersionWhenConfigured() {
    registry.nextId(30);
    registry.register(TOPIC + "-value", FIXED);
    SerdeConfig config = config("auto.register.schemas", "false", "use.latest.version", "true");

    byte[] bytes =
        AvroSerdes.generic(registry, config, false).serializer().serialize(TOPIC, fixed("ab", 1));

    assertThat(Arrays.copyOf(bytes, 5)).containsExactly(0, 0, 0, 0, 30);
    assertThat(registry.calls("getLatest")).isEqualTo(1);
    assertThat(registry.calls("lookup")).isZero();
  }

  @Test
  void shouldRefuseRecordWhoseSchemaIsNotTheLatestVersion() {
    registry.register(TOPIC + "-value", FIXED);
    registry.register(TOPIC + "-value", GRANT_V1);
    SerdeConfig config = config("auto.register.schemas", "false", "use.latest.version", "true");

    assertThatThrownBy(
            () ->
                AvroSerdes.generic(registry, config, false)
                    .serializer()
                    .serialize(TOPIC, fixed("ab", 1)))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("differs from the latest version (2");
  }

  // ---- caching ----

  @Test
  void shouldCallRegistryOncePerSchemaAfterWarmUp() {
    AvroSerde<GenericRecord> serde = AvroSerdes.generic(registry, config(), false);
    List<byte[]> written = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      written.add(serde.serializer().serialize(TOPIC, fixed("s" + i, i)));
    }
    for (byte[] bytes : written) {
      serde.deserializer().deserialize(TOPIC, bytes);
    }

    assertThat(registry.calls("register")).isEqualTo(1);
    assertThat(registry.calls("getById")).isEqualTo(1);
    assertThat(registry.totalCalls()).isEqualTo(2);
  }

  @Test
  void shouldSerializeConsistentlyFromManyThreads() throws Exception {
    AvroSerde<Grant> serde = AvroSerdes.specific(Grant.class, registry, config(), false);
    byte[] expected = serde.serializer().serialize(TOPIC, grant());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2_000; i++) {
                    byte[] bytes = serde.serializer().serialize(TOPIC, grant());
                    if (!Arrays.equals(bytes, expected)
                        || !grant().equals(serde.deserializer().deserialize(TOPIC, bytes))) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get(1, TimeUnit.MINUTES)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(registry.calls("register")).isEqualTo(1);
  }
}
