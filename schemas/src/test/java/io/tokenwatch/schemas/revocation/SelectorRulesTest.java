package io.tokenwatch.schemas.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.SelectorKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The shared selector rules, against examples and against a plain model written independently of
 * the implementation (a regular expression, the JDK's UTF-8 encoder, epoch-millisecond arithmetic).
 */
class SelectorRulesTest {

  private static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");
  private static final Pattern FORBIDDEN = Pattern.compile("[\\p{Cc}\\p{Zl}\\p{Zp}\\x{FFFD}]");
  private static final long DAY_MS = 86_400_000L;

  @Example
  void shouldAcceptOrdinarySelectors() {
    assertThat(SelectorRules.check(SelectorKind.SUBJECT, "alice", null, NOW)).isEmpty();
    assertThat(SelectorRules.check(SelectorKind.AUDIENCE, "https://orders.example.com", NOW, NOW))
        .isEmpty();
    assertThat(SelectorRules.check(SelectorKind.SUBJECT, "CN=Alice Smith, O=Ex", null, NOW))
        .isEmpty();
    assertThat(SelectorRules.check(SelectorKind.SUBJECT, "\ud83d\udd25 José", null, NOW)).isEmpty();
  }

  @Example
  void shouldRefuseTheWatermarksOfTheReport() {
    assertThat(
            SelectorRules.check(
                SelectorKind.SUBJECT, "alice", Instant.parse("+999999999-12-31T23:59:59Z"), NOW))
        .singleElement()
        .satisfies(v -> assertThat(v.field()).isEqualTo("issued_before"))
        .satisfies(v -> assertThat(v.reason()).contains("366 days"));
    assertThat(
            SelectorRules.check(
                SelectorKind.SUBJECT, "alice", Instant.parse("0000-01-01T00:00:00Z"), NOW))
        .singleElement()
        .satisfies(v -> assertThat(v.reason()).contains("after 1970-01-01T00:00:00Z"));
  }

  @Example
  void shouldAcceptTheWatermarkRangeInclusiveOfItsEnds() {
    Instant latest = NOW.plus(Duration.ofDays(366));
    assertThat(SelectorRules.watermarkProblem(Instant.ofEpochMilli(1), NOW)).isEmpty();
    assertThat(SelectorRules.watermarkProblem(latest, NOW)).isEmpty();
    assertThat(SelectorRules.watermarkProblem(latest.plusMillis(1), NOW)).isPresent();
    assertThat(SelectorRules.watermarkProblem(Instant.EPOCH, NOW)).isPresent();
    assertThat(SelectorRules.watermarkProblem(NOW.plusNanos(1_000), NOW))
        .get()
        .asString()
        .contains("millisecond");
    assertThat(SelectorRules.latestWatermark(NOW)).isEqualTo(latest);
  }

  @Example
  void shouldRoundAFinerWatermarkUpOntoTheMillisecondGrid() {
    assertThat(SelectorRules.roundUpToMillisecond(NOW.plusNanos(1))).isEqualTo(NOW.plusMillis(1));
    assertThat(SelectorRules.roundUpToMillisecond(NOW.plusNanos(999_999)))
        .isEqualTo(NOW.plusMillis(1));
    assertThat(SelectorRules.roundUpToMillisecond(NOW)).isEqualTo(NOW);
    assertThat(SelectorRules.roundUpToMillisecond(Instant.MAX)).isEqualTo(Instant.MAX);
  }

  @Property(tries = 1000)
  void shouldCoverTheSameMillisecondInstantsAfterRounding(
      @ForAll("requestTimes") Instant base,
      @ForAll @IntRange(min = 0, max = 999_999) int nanos,
      @ForAll @IntRange(min = -2, max = 2) int iatOffsetMillis) {
    Instant watermark = base.plusNanos(nanos);
    Instant iat = base.plusMillis(iatOffsetMillis); // an iat has millisecond precision at most

    Instant rounded = SelectorRules.roundUpToMillisecond(watermark);

    assertThat(rounded.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)).isEqualTo(rounded);
    assertThat(iat.isBefore(rounded)).isEqualTo(iat.isBefore(watermark));
  }

  @Example
  void shouldRefuseTheValuesOfTheReport() {
    assertThat(SelectorRules.valueProblem("alice\nbob")).get().asString().contains("U+000A");
    assertThat(SelectorRules.valueProblem("a\u2028b")).get().asString().contains("line break");
    assertThat(SelectorRules.valueProblem("\ud800")).get().asString().contains("surrogate");
    assertThat(SelectorRules.valueProblem("?\udc00x")).get().asString().contains("index 1");
    assertThat(SelectorRules.valueProblem("caf\ufffd")).get().asString().contains("U+FFFD");
    assertThat(SelectorRules.valueProblem("x".repeat(15_000))).get().asString().contains("1024");
    assertThat(SelectorRules.valueProblem("")).isPresent();
    assertThat(SelectorRules.valueProblem("   ")).isPresent();
    assertThat(SelectorRules.valueProblem(" alice")).get().asString().contains("white space");
    assertThat(SelectorRules.kindProblem(SelectorKind.UNKNOWN)).isPresent();
  }

  @Example
  void shouldRefuseARequestTimeOutsideTheSupportedRange() {
    assertThat(
            SelectorRules.check(
                SelectorKind.TOKEN, "t", NOW, SelectorRules.LATEST_REQUEST_TIME.plusMillis(1)))
        .singleElement()
        .satisfies(v -> assertThat(v.field()).isEqualTo("occurred_at"));
    assertThatThrownBy(() -> SelectorRules.latestWatermark(Instant.ofEpochMilli(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 2000)
  void shouldAcceptExactlyTheValuesThePlainModelAccepts(@ForAll("values") String value) {
    boolean model =
        !value.isEmpty()
            && StandardCharsets.UTF_8.newEncoder().canEncode(value)
            && !FORBIDDEN.matcher(value).find()
            && !value.isBlank()
            && value.strip().equals(value)
            && value.getBytes(StandardCharsets.UTF_8).length <= 1024;

    assertThat(SelectorRules.valueProblem(value).isEmpty())
        .as("value %s", escaped(value))
        .isEqualTo(model);
  }

  @Property(tries = 2000)
  void shouldAcceptExactlyTheWatermarksThePlainModelAccepts(
      @ForAll("instants") Instant watermark, @ForAll("requestTimes") Instant requestedAt) {
    long nanosOfMilli = watermark.getNano() % 1_000_000;
    // Past about the year 14700 a watermark is out of range whatever the request time.
    boolean millisFit = watermark.getEpochSecond() >= 0 && watermark.getEpochSecond() < 400e9;
    boolean model =
        nanosOfMilli == 0
            && millisFit
            && watermark.toEpochMilli() > 0
            && watermark.toEpochMilli() <= requestedAt.toEpochMilli() + 366 * DAY_MS;

    assertThat(SelectorRules.watermarkProblem(watermark, requestedAt).isEmpty())
        .as("%s requested at %s", watermark, requestedAt)
        .isEqualTo(model);
  }

  @Provide
  Arbitrary<String> values() {
    Arbitrary<String> printable = Arbitraries.strings().ofMinLength(1).ofMaxLength(40).alpha();
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40),
        Arbitraries.strings().ofMaxLength(40).withCharRange('\u0000', '\u00ff'),
        Arbitraries.strings()
            .ofMaxLength(8)
            .withChars(' ', '\t', 'a', '\ud800', '\udc00', '\u2028'),
        printable,
        printable.map(s -> " " + s),
        Arbitraries.integers().between(1018, 1030).map("a"::repeat),
        Arbitraries.integers().between(250, 260).map("\ud83d\udd25"::repeat));
  }

  @Provide
  Arbitrary<Instant> requestTimes() {
    return Arbitraries.oneOf(
        Arbitraries.just(NOW),
        Arbitraries.longs()
            .between(0, SelectorRules.LATEST_REQUEST_TIME.toEpochMilli())
            .map(Instant::ofEpochMilli));
  }

  /** Instants of every magnitude, and the neighbourhood of each bound. */
  @Provide
  Arbitrary<Instant> instants() {
    Arbitrary<Instant> anywhere =
        Arbitraries.longs()
            .between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())
            .map(Instant::ofEpochSecond);
    Arbitrary<Instant> nearEpoch = Arbitraries.longs().between(-5, 5).map(Instant::ofEpochMilli);
    Arbitrary<Instant> nearLatest =
        Arbitraries.longs().between(-2, 2).map(ms -> NOW.plus(Duration.ofDays(366)).plusMillis(ms));
    Arbitrary<Instant> subMillisecond =
        Arbitraries.integers().between(1, 999_999).map(n -> NOW.plusNanos(n));
    return Arbitraries.oneOf(anywhere, nearEpoch, nearLatest, subMillisecond);
  }

  private static String escaped(String value) {
    StringBuilder out = new StringBuilder();
    value
        .chars()
        .forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : (char) c));
    return out.toString();
  }
}
