package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE;
import static io.tokenwatch.issuer.testkit.TestIssuer.CONSOLE_SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.RevocationSelector;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.revocation.kafka.RevocationStreamConfig;
import io.tokenwatch.revocation.kafka.RevocationTopology;
import io.tokenwatch.schemas.registry.InMemorySchemaRegistryClient;
import io.tokenwatch.schemas.revocation.SelectorRules;
import io.tokenwatch.schemas.serde.AvroSerdes;
import io.tokenwatch.schemas.streams.Decoding;
import io.tokenwatch.schemas.topic.Topics;
import io.tokenwatch.testing.fixtures.TestEvents;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.jspecify.annotations.Nullable;

/**
 * The issuer's admin API accepts exactly the selectors the revocation stream applies. Two real
 * components judge each generated selector (kinds, values of every sort, watermarks around every
 * bound and at the extremes): the issuer over HTTP, and the revocation stream's topology, which
 * either applies a request or dead-letters it. An accepted request is piped to the stream as the
 * issuer recorded it and must be applied; for a refused one the stream gets the same selector,
 * requested at the same instant, and must not apply it (either it dead-letters it, or the selector
 * cannot even be written as an event without changing, like a lone surrogate or a sub-millisecond
 * watermark).
 */
class SelectorAgreementPropertiesTest {

  /** Writes every non-ASCII character as an escape, so lone surrogates reach the issuer intact. */
  private static final ObjectMapper ASCII_JSON =
      JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private static TestIssuer issuer;
  private static TopologyTestDriver stream;
  private static TestInputTopic<String, byte[]> requests;
  private static TestOutputTopic<byte[], byte[]> deadLetters;
  private static Serializer<RevocationRequested> requestSerializer;
  private static Deserializer<RevocationRequested> requestDeserializer;
  private static Serializer<Revocation> feedSerializer;

  @BeforeContainer
  static void start() throws Exception {
    issuer = new TestIssuer(Files.createTempDirectory("agreement-issuer"));
    // A request time with a sub-millisecond part: the issuer must judge the instant it records.
    issuer.clock.advance(Duration.ofNanos(777_777));
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    RevocationStreamConfig config =
        RevocationStreamConfig.of(
            Map.of(
                "bootstrap.servers",
                "unused:9092",
                "schema.registry.url",
                "http://unused:8081",
                RevocationStreamConfig.MAX_TOKEN_TTL_MS,
                Duration.ofDays(1).toMillis()));
    Properties props = config.streamsProperties(null);
    Path state = Files.createTempDirectory("agreement-stream");
    props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    stream = new TopologyTestDriver(RevocationTopology.build(config, registry), props);
    requests =
        stream.createInputTopic(
            Topics.REVOCATION_REQUESTS.name(), new StringSerializer(), new ByteArraySerializer());
    deadLetters =
        stream.createOutputTopic(
            Topics.DEAD_LETTERS.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    var serde = config.serdeConfig();
    requestSerializer =
        AvroSerdes.specific(RevocationRequested.class, registry, serde, false).serializer();
    requestDeserializer =
        AvroSerdes.specific(RevocationRequested.class, registry, serde, false).deserializer();
    feedSerializer = AvroSerdes.specific(Revocation.class, registry, serde, false).serializer();
  }

  @AfterContainer
  static void stop() {
    stream.close();
    issuer.close();
  }

  @Property(tries = 300)
  void issuerAcceptsExactlyWhatTheStreamApplies(
      @ForAll("kinds") SelectorKind kind,
      @ForAll("values") String value,
      @ForAll("watermarks") Optional<Instant> watermark) {
    ObjectNode body = ASCII_JSON.createObjectNode();
    body.put("kind", kind.name().toLowerCase(Locale.ROOT));
    body.put("value", value);
    watermark.ifPresent(w -> body.put("issued_before", w.toString()));
    int recorded = issuer.recorded().requests.size();
    Instant requestedAt = issuer.clock.instant().truncatedTo(ChronoUnit.MILLIS);

    HttpResponse<String> response =
        issuer.post(
            "/admin/revocations",
            "application/json",
            body.toString(),
            TestIssuer.basic(CONSOLE, CONSOLE_SECRET));

    assertThat(response.statusCode()).as(response.body()).isIn(202, 400);
    boolean issuerAccepts = response.statusCode() == 202;
    Statistics.collect(issuerAccepts ? "accepted" : "refused");
    Statistics.coverage(
        coverage -> {
          // Both sides of the agreement must be exercised, or the property says little.
          coverage.check("accepted").percentage(p -> p > 15);
          coverage.check("refused").percentage(p -> p > 15);
        });
    if (issuerAccepts) {
      assertThat(issuer.recorded().requests).hasSize(recorded + 1);
      RevocationRequested event = issuer.recorded().requests.get(recorded);
      assertThat(
              deadLetterOf(requestSerializer.serialize(Topics.REVOCATION_REQUESTS.name(), event)))
          .as("the stream applies what the issuer accepted: %s", body)
          .isNull();
      for (Revocation fastPath : issuer.recorded().fastPath) {
        assertThat(feedSerializer.serialize(Topics.REVOCATIONS.name(), fastPath)).isNotEmpty();
      }
      issuer.recorded().fastPath.clear();
    } else {
      assertThat(issuer.recorded().requests).as("a refusal records nothing").hasSize(recorded);
      // The feed carries milliseconds; a finer watermark covers what its rounding-up covers.
      Instant onTheGrid = watermark.map(SelectorRules::roundUpToMillisecond).orElse(null);
      assertThat(streamApplies(kind, value, onTheGrid, requestedAt))
          .as("the stream does not apply what the issuer refused (%s): %s", response.body(), body)
          .isFalse();
    }
  }

  /** Whether the stream applies this selector as given, requested at {@code requestedAt}. */
  private static boolean streamApplies(
      SelectorKind kind, String value, @Nullable Instant watermark, Instant requestedAt) {
    RevocationRequested event =
        TestEvents.requested(kind, value, watermark, requestedAt)
            .setRequestedBy("admin:" + CONSOLE)
            .build();
    RevocationSelector selector = event.getSelector();
    byte[] bytes;
    try {
      bytes = requestSerializer.serialize(Topics.REVOCATION_REQUESTS.name(), event);
    } catch (RuntimeException notAnEvent) {
      return false; // e.g. a watermark beyond what a millisecond timestamp holds
    }
    RevocationSelector written;
    try {
      written =
          requestDeserializer.deserialize(Topics.REVOCATION_REQUESTS.name(), bytes).getSelector();
    } catch (RuntimeException corrupt) {
      // Avro writes a lone surrogate as bytes that do not decode: the stream judges them itself.
      return applies(bytes);
    }
    if (!written.equals(selector)) {
      return false; // the event would name another selector than the one requested
    }
    return applies(bytes);
  }

  private static boolean applies(byte[] serializedRequest) {
    return deadLetterOf(serializedRequest) == null;
  }

  /** Why the stream dead-lettered the request, or null when it applied it. */
  private static @Nullable String deadLetterOf(byte[] serializedRequest) {
    assertThat(deadLetters.isEmpty()).isTrue();
    requests.pipeInput("key", serializedRequest);
    if (deadLetters.isEmpty()) {
      return null;
    }
    var dead = deadLetters.readRecordsToList();
    Header message = dead.get(0).headers().lastHeader(Decoding.MESSAGE);
    return message == null ? "(no message)" : new String(message.value(), StandardCharsets.UTF_8);
  }

  @Provide
  Arbitrary<SelectorKind> kinds() {
    return Arbitraries.of(SelectorKind.class);
  }

  @Provide
  Arbitrary<String> values() {
    return Arbitraries.oneOf(
        Arbitraries.strings().alpha().numeric().withChars('-', ':', '/', '.', '@').ofLength(12),
        Arbitraries.strings().all().ofMaxLength(12),
        Arbitraries.strings()
            .withChars('a', ' ', '\t', '\n', '\u0085', '\u2028', '\ufffd', '\ud800', '\udc00')
            .ofMaxLength(6),
        Arbitraries.integers().between(1020, 1028).map("v"::repeat),
        Arbitraries.integers().between(254, 258).map("\ud83d\udd25"::repeat),
        Arbitraries.of("alice", " alice", "alice ", "", "?", "https://orders.example.com"));
  }

  @Provide
  Arbitrary<Optional<Instant>> watermarks() {
    Instant requestedAt = issuer.clock.instant().truncatedTo(ChronoUnit.MILLIS);
    Instant latest = requestedAt.plus(Duration.ofDays(366));
    Arbitrary<Instant> bounds =
        Arbitraries.of(
            Instant.parse("+999999999-12-31T23:59:59Z"),
            Instant.parse("0000-01-01T00:00:00Z"),
            Instant.EPOCH.minusMillis(1),
            Instant.EPOCH,
            Instant.EPOCH.plusMillis(1),
            requestedAt,
            latest.minusMillis(1),
            latest,
            latest.plusMillis(1),
            latest.plusNanos(1),
            requestedAt.plusNanos(500_000),
            Instant.MAX,
            Instant.MIN);
    Arbitrary<Instant> anywhere =
        Arbitraries.longs()
            .between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())
            .map(Instant::ofEpochSecond);
    Arbitrary<Instant> nearNow =
        Arbitraries.longs()
            .between(-Duration.ofDays(800).toMillis(), Duration.ofDays(800).toMillis())
            .map(requestedAt::plusMillis);
    return Arbitraries.oneOf(bounds, anywhere, nearNow).optional(0.8);
  }
}
