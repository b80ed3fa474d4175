package io.tokenwatch.revocation.kafka;

import static io.tokenwatch.testing.fixtures.TestEvents.issued;
import static io.tokenwatch.testing.fixtures.TestEvents.requested;
import static io.tokenwatch.testing.fixtures.TestEvents.used;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.revocation.LiveRevocation;
import io.tokenwatch.revocation.LiveToken;
import io.tokenwatch.revocation.UsageCount;
import io.tokenwatch.schemas.registry.InMemorySchemaRegistryClient;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RevocationTopologyTest {

  private static final Instant START = Instant.parse("2030-01-01T10:00:00Z");
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final Duration MAX_TTL = Duration.ofHours(1);
  private static final Duration SKEW = Duration.ofMinutes(1);

  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private TopologyTestDriver driver;
  private TestInputTopic<String, TokenIssued> issuedTopic;
  private TestInputTopic<String, TokenUsed> usedTopic;
  private TestInputTopic<String, RevocationRequested> requestTopic;
  private TestOutputTopic<String, Revocation> feed;
  private TestOutputTopic<byte[], byte[]> deadLetters;
  private RevocationStreamConfig config;

  @BeforeEach
  void setUp() {
    config =
        RevocationStreamConfig.of(
            Map.of(
                "bootstrap.servers",
                "unused:9092",
                "schema.registry.url",
                "http://unused:8081",
                RevocationStreamConfig.MAX_TOKEN_TTL_MS,
                MAX_TTL.toMillis(),
                RevocationStreamConfig.CLOCK_SKEW_MS,
                SKEW.toMillis(),
                RevocationStreamConfig.EXPIRY_PUNCTUATION_MS,
                1000,
                RevocationStreamConfig.TOMBSTONE_PUNCTUATION_MS,
                1000));
    Properties props = config.streamsProperties(null);
    props.put(StreamsConfig.STATE_DIR_CONFIG, "target/streams-test-state");
    driver = new TopologyTestDriver(RevocationTopology.build(config, registry), props, START);
    var serdeConfig = config.serdeConfig();
    issuedTopic =
        driver.createInputTopic(
            Topics.TOKEN_ISSUED.name(),
            new StringSerializer(),
            AvroSerdes.specific(TokenIssued.class, registry, serdeConfig, false).serializer());
    usedTopic =
        driver.createInputTopic(
            Topics.TOKEN_USED.name(),
            new StringSerializer(),
            AvroSerdes.specific(TokenUsed.class, registry, serdeConfig, false).serializer());
    requestTopic =
        driver.createInputTopic(
            Topics.REVOCATION_REQUESTS.name(),
            new StringSerializer(),
            AvroSerdes.specific(RevocationRequested.class, registry, serdeConfig, false)
                .serializer());
    feed =
        driver.createOutputTopic(
            Topics.REVOCATIONS.name(),
            new StringDeserializer(),
            AvroSerdes.specific(Revocation.class, registry, serdeConfig, false).deserializer());
    deadLetters =
        driver.createOutputTopic(
            Topics.DEAD_LETTERS.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private KeyValueStore<String, LiveToken> registryStore() {
    return driver.getKeyValueStore(RevocationTopology.TOKEN_REGISTRY);
  }

  private KeyValueStore<String, UsageCount> counts() {
    return driver.getKeyValueStore(RevocationTopology.USAGE_COUNTS);
  }

  private KeyValueStore<String, LiveRevocation> liveRevocations() {
    return driver.getKeyValueStore(RevocationTopology.LIVE_REVOCATIONS);
  }

  private KeyValueStore<String, LiveRevocation> liveTokenRevocations() {
    return driver.getKeyValueStore(RevocationTopology.LIVE_TOKEN_REVOCATIONS);
  }

  private void issue(TokenIssued event) {
    issuedTopic.pipeInput(event.getTokenId(), event, event.getOccurredAt());
  }

  private void use(String jti, UseDecision decision, Instant at) {
    usedTopic.pipeInput(jti, used(jti, at, START.plus(TTL)).setDecision(decision).build(), at);
  }

  @Test
  void shouldRegisterIssuedTokenAndDropItOnceExpiredPlusSkew() {
    issue(issued("t1", START, TTL).setMaxUses(5).setLineage(List.of("p1")).build());
    use("t1", UseDecision.ALLOWED, START.plusSeconds(1));

    LiveToken token = registryStore().get("t1");
    assertThat(token).isNotNull();
    assertThat(token.maxUses()).isEqualTo(5);
    assertThat(token.lineage()).containsExactly("p1");
    assertThat(token.expiresAt()).isEqualTo(START.plus(TTL));

    driver.advanceWallClockTime(TTL);
    assertThat(registryStore().get("t1")).as("still within clock skew").isNotNull();

    driver.advanceWallClockTime(SKEW.plusSeconds(1));
    assertThat(registryStore().get("t1")).isNull();
    assertThat(counts().get("t1")).isNull();
    assertThat(
            driver
                .<Object, Object>getKeyValueStore(RevocationTopology.TOKEN_EXPIRY_INDEX)
                .approximateNumEntries())
        .isZero();
    assertThat(feed.isEmpty()).isTrue();
  }

  @Test
  void shouldCountAllowedUsesOnly() {
    issue(issued("t1", START, TTL).build());
    use("t1", UseDecision.ALLOWED, START.plusSeconds(1));
    use("t1", UseDecision.DENIED, START.plusSeconds(2));
    use("t1", UseDecision.ALLOWED, START.plusSeconds(3));

    assertThat(counts().get("t1").count()).isEqualTo(2);
    assertThat(feed.isEmpty()).isTrue();
  }

  @Test
  void shouldRevokeExactlyOnceWhenMaxUsesExceeded() {
    issue(issued("t1", START, TTL).setMaxUses(2).build());
    for (int i = 1; i <= 5; i++) {
      use("t1", UseDecision.ALLOWED, START.plusSeconds(i));
    }

    List<TestRecord<String, Revocation>> records = feed.readRecordsToList();
    assertThat(records).hasSize(1);
    TestRecord<String, Revocation> record = records.get(0);
    assertThat(record.key()).isEqualTo("token:t1");
    assertThat(record.value().getReason()).isEqualTo(RevocationReason.MAX_USES_EXCEEDED);
    assertThat(record.value().getUseCount()).isEqualTo(3L);
    assertThat(record.value().getForgetAfter()).isEqualTo(START.plus(TTL).plus(SKEW));
    assertThat(counts().get("t1").count()).isEqualTo(5);
    assertThat(counts().get("t1").maxUsesRevoked()).isTrue();
    assertThat(liveTokenRevocations().get("t1").reason().name()).isEqualTo("MAX_USES_EXCEEDED");
  }

  @Test
  void shouldCountUsesBeforeIssuanceAndRevokeWhenTheIssuanceArrives() {
    use("t1", UseDecision.ALLOWED, START.plusSeconds(1));
    use("t1", UseDecision.ALLOWED, START.plusSeconds(2));
    assertThat(counts().get("t1").count()).isEqualTo(2);
    assertThat(registryStore().get("t1")).isNull();
    assertThat(feed.isEmpty()).isTrue();

    issue(issued("t1", START, TTL).setMaxUses(1).build());

    List<TestRecord<String, Revocation>> records = feed.readRecordsToList();
    assertThat(records).extracting(TestRecord::key).containsExactly("token:t1");
    assertThat(records.get(0).value().getUseCount()).isEqualTo(2L);
  }

  @Test
  void shouldForgetCountsOfTokensNeverIssued() {
    use("ghost", UseDecision.ALLOWED, START);

    driver.advanceWallClockTime(TTL.plus(SKEW).plusSeconds(1));

    assertThat(counts().get("ghost")).isNull();
  }

  @ParameterizedTest
  @EnumSource(
      value = SelectorKind.class,
      names = {"GRANT", "SUBJECT", "CLIENT", "AUDIENCE"})
  void shouldGiveSelectorsWithoutWatermarkTheRequestTime(SelectorKind kind) {
    Instant at = START.plusSeconds(30);
    requestTopic.pipeInput(key(kind, "x"), requested(kind, "x", null, at).build(), at);

    TestRecord<String, Revocation> record = feed.readRecord();
    assertThat(record.key()).isEqualTo(key(kind, "x"));
    assertThat(record.value().getSelector().getIssuedBefore()).isEqualTo(at);
    assertThat(record.value().getForgetAfter()).isEqualTo(at.plus(MAX_TTL).plus(SKEW));
    assertThat(liveRevocations().get(key(kind, "x")).issuedBefore()).isEqualTo(at);
    assertThat(feed.isEmpty()).isTrue();
  }

  @Test
  void shouldRevokeWholeLineageWithoutWatermark() {
    requestTopic.pipeInput(
        "lineage:root", requested(SelectorKind.LINEAGE, "root", null, START).build(), START);

    Revocation record = feed.readValue();
    assertThat(record.getSelector().getIssuedBefore()).isNull();
    assertThat(record.getForgetAfter()).isEqualTo(START.plus(MAX_TTL).plus(SKEW));
  }

  @Test
  void shouldForgetTokenRevocationAtTheKnownExpiry() {
    issue(issued("t1", START, TTL).build());
    requestTopic.pipeInput(
        "token:t1", requested(SelectorKind.TOKEN, "t1", null, START).build(), START);

    TestRecord<String, Revocation> record = feed.readRecord();
    assertThat(record.key()).isEqualTo("token:t1");
    assertThat(record.value().getForgetAfter()).isEqualTo(START.plus(TTL).plus(SKEW));
    assertThat(liveTokenRevocations().get("t1")).isNotNull();
  }

  @Test
  void shouldBoundRevocationOfAnUnseenTokenByTheMaximumLifetime() {
    requestTopic.pipeInput(
        "token:unseen", requested(SelectorKind.TOKEN, "unseen", null, START).build(), START);

    assertThat(feed.readValue().getForgetAfter()).isEqualTo(START.plus(MAX_TTL).plus(SKEW));
  }

  @Test
  void shouldNeverLowerAWatermarkAndEmitNothingForARequestAddingNothing() {
    Instant w2 = START.plusSeconds(20);
    requestTopic.pipeInput(
        "subject:bob", requested(SelectorKind.SUBJECT, "bob", w2, START).build(), START);
    requestTopic.pipeInput(
        "subject:bob",
        requested(SelectorKind.SUBJECT, "bob", START.plusSeconds(10), START.plusSeconds(1)).build(),
        START.plusSeconds(1));
    requestTopic.pipeInput(
        "subject:bob", requested(SelectorKind.SUBJECT, "bob", w2, START).build(), START);
    Instant w3 = START.plusSeconds(40);
    requestTopic.pipeInput(
        "subject:bob",
        requested(SelectorKind.SUBJECT, "bob", w3, START.plusSeconds(2)).build(),
        START);

    List<Revocation> records = feed.readValuesToList();
    assertThat(records).extracting(r -> r.getSelector().getIssuedBefore()).containsExactly(w2, w3);
    assertThat(liveRevocations().get("subject:bob").issuedBefore()).isEqualTo(w3);
  }

  @Test
  void shouldTombstoneRevocationsOnceTheirForgetTimeHasPassed() {
    requestTopic.pipeInput(
        "client:c1", requested(SelectorKind.CLIENT, "c1", null, START).build(), START);
    issue(issued("t1", START, TTL).build());
    requestTopic.pipeInput(
        "token:t1", requested(SelectorKind.TOKEN, "t1", null, START).build(), START);
    assertThat(feed.readRecordsToList()).hasSize(2);

    driver.advanceWallClockTime(TTL.plus(SKEW).plusSeconds(1));
    TestRecord<String, Revocation> tokenTombstone = feed.readRecord();
    assertThat(tokenTombstone.key()).isEqualTo("token:t1");
    assertThat(tokenTombstone.value()).isNull();
    assertThat(liveTokenRevocations().get("t1")).isNull();
    assertThat(liveRevocations().get("client:c1")).isNotNull();
    assertThat(feed.isEmpty()).isTrue();

    driver.advanceWallClockTime(MAX_TTL);
    TestRecord<String, Revocation> clientTombstone = feed.readRecord();
    assertThat(clientTombstone.key()).isEqualTo("client:c1");
    assertThat(clientTombstone.value()).isNull();
    assertThat(liveRevocations().approximateNumEntries()).isZero();
  }

  // ---- dead letters ----

  @Test
  void shouldDeadLetterBytesThatAreNotAvroAndKeepProcessing() {
    TestInputTopic<byte[], byte[]> raw = rawInput(Topics.TOKEN_USED.name());
    byte[] poison = "not avro".getBytes(StandardCharsets.UTF_8);
    raw.pipeInput(new TestRecord<>(bytes("t1"), poison, headers("trace", "abc")));
    use("t1", UseDecision.ALLOWED, START);

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(dead.key()).isEqualTo(bytes("t1"));
    assertThat(dead.value()).isEqualTo(poison);
    assertThat(header(dead.headers(), "trace")).isEqualTo("abc");
    assertThat(header(dead.headers(), Decoding.TOPIC)).isEqualTo(Topics.TOKEN_USED.name());
    assertThat(header(dead.headers(), Decoding.PARTITION)).isEqualTo("0");
    assertThat(header(dead.headers(), Decoding.OFFSET)).isEqualTo("0");
    assertThat(header(dead.headers(), Decoding.EXCEPTION))
        .isEqualTo("org.apache.kafka.common.errors.SerializationException");
    assertThat(header(dead.headers(), Decoding.MESSAGE)).contains("magic byte");
    assertThat(counts().get("t1").count()).isEqualTo(1);
  }

  @Test
  void shouldDeadLetterAnUnknownSchemaId() {
    byte[] unknownId = {0, 0, 0, 0x7f, 0x7f, 2, 4};
    rawInput(Topics.TOKEN_ISSUED.name()).pipeInput(bytes("t1"), unknownId);

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(dead.value()).isEqualTo(unknownId);
    assertThat(header(dead.headers(), Decoding.MESSAGE)).contains("unknown schema id");
  }

  @Test
  void shouldDeadLetterSemanticallyInvalidEvents() {
    issue(issued("", START, TTL).build()); // missing id
    issue(issued("t2", START, TTL).setExpiresAt(START.minusSeconds(1)).build()); // before issuance
    issue(issued("t3", START, TTL).setMaxUses(-1).build());
    issuedTopic.pipeInput("other-key", issued("t4", START, TTL).build(), START); // wrong key
    requestTopic.pipeInput("x", requested(SelectorKind.UNKNOWN, "x", null, START).build(), START);
    requestTopic.pipeInput(
        "subject:", requested(SelectorKind.SUBJECT, " ", null, START).build(), START);

    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead).hasSize(6);
    assertThat(dead)
        .allSatisfy(
            record ->
                assertThat(header(record.headers(), Decoding.EXCEPTION))
                    .endsWith("InvalidEventException"));
    assertThat(header(dead.get(1).headers(), Decoding.MESSAGE)).contains("not after");
    assertThat(header(dead.get(3).headers(), Decoding.MESSAGE)).contains("record key");
    assertThat(registryStore().approximateNumEntries()).isZero();
    assertThat(feed.isEmpty()).isTrue();
  }

  @Test
  void shouldDeadLetterRequestsThatBreakTheSharedSelectorRules() {
    Instant tooLate = START.plus(Duration.ofDays(366)).plusMillis(1);
    requestTopic.pipeInput(
        "s", requested(SelectorKind.SUBJECT, "alice", tooLate, START).build(), START);
    requestTopic.pipeInput(
        "s", requested(SelectorKind.SUBJECT, "a\nb", null, START).build(), START);
    // An unpaired surrogate cannot reach the stream (UTF-8 on the wire turns it into '?', which is
    // why the issuer refuses it before encoding); U+FFFD is what lossy decoding leaves instead.
    requestTopic.pipeInput(
        "s", requested(SelectorKind.SUBJECT, "a\ufffd", null, START).build(), START);
    requestTopic.pipeInput(
        "s", requested(SelectorKind.CLIENT, "c".repeat(15_000), null, START).build(), START);
    requestTopic.pipeInput(
        "s", requested(SelectorKind.SUBJECT, "alice", Instant.EPOCH, START).build(), START);

    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead).hasSize(5);
    assertThat(header(dead.get(0).headers(), Decoding.MESSAGE))
        .contains("issued_before must be at most 366 days after the request");
    assertThat(header(dead.get(1).headers(), Decoding.MESSAGE)).contains("control character");
    assertThat(header(dead.get(2).headers(), Decoding.MESSAGE)).contains("U+FFFD");
    assertThat(header(dead.get(3).headers(), Decoding.MESSAGE)).contains("at most 1024");
    assertThat(feed.isEmpty()).isTrue();
  }

  @Test
  void shouldApplyAWatermarkAtTheLatestAcceptedInstant() {
    Instant latest = START.plus(Duration.ofDays(366));
    requestTopic.pipeInput(
        "subject:alice", requested(SelectorKind.SUBJECT, "alice", latest, START).build(), START);

    assertThat(deadLetters.isEmpty()).isTrue();
    Revocation record = feed.readValue();
    assertThat(record.getSelector().getIssuedBefore()).isEqualTo(latest);
    assertThat(record.getForgetAfter()).isEqualTo(latest.plus(MAX_TTL).plus(SKEW));
  }

  @Test
  void shouldFailInsteadOfDeadLetteringWhenTheRegistryIsDown() {
    // The serializer registers the schema (and caches its id) before the outage.
    TokenIssued event = issued("t1", START, TTL).build();
    byte[] value =
        AvroSerdes.specific(TokenIssued.class, registry, config.serdeConfig(), false)
            .serializer()
            .serialize(Topics.TOKEN_ISSUED.name(), event);
    registry.down(true);

    assertThatThrownBy(() -> rawInput(Topics.TOKEN_ISSUED.name()).pipeInput(bytes("t1"), value))
        .hasStackTraceContaining("SchemaRegistryUnavailableException");
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  private TestInputTopic<byte[], byte[]> rawInput(String topic) {
    return driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Headers headers(String name, String value) {
    var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    headers.add(name, bytes(value));
    return headers;
  }

  private static String header(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    assertThat(header).as("header " + name).isNotNull();
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The feed key the topology must write, spelt out here rather than taken from FeedKey. */
  private static String key(SelectorKind kind, String value) {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + value;
  }
}
