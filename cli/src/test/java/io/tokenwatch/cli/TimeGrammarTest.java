package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every time option of the CLI reads one grammar: an ISO-8601 instant, a date (midnight UTC), an
 * age before now, {@code now} (or epoch milliseconds). The properties format random instants in
 * each form and check that they read back as the same instant, and that anything outside the
 * grammar is a picocli parse error naming the option and the accepted forms.
 */
class TimeGrammarTest {

  /** Year 1 to 9999: the range the audit store keeps. */
  private static final long EARLIEST = -62_135_596_800_000L;

  private static final long LATEST = 253_402_300_799_999L;

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-05T06:07:08.009Z"), ZoneOffset.UTC);

  /** The commands with time options, as a user types them before the option. */
  private static final List<List<String>> COMMANDS =
      List.of(
          List.of("audit", "query"),
          List.of("audit", "grants"),
          List.of("audit", "export", "--out", "x.csv"),
          List.of("audit", "replay"),
          List.of("detect", "--replay", "--output-topic", "backtest"));

  @Property
  void shouldReadAnIsoInstantBackAsTheSameInstant(
      @ForAll @LongRange(min = EARLIEST, max = LATEST) long millis) {
    Instant instant = Instant.ofEpochMilli(millis);

    assertThat(read(instant.toString())).isEqualTo(instant);
    assertThat(read(instant.toString().toLowerCase(java.util.Locale.ROOT))).isEqualTo(instant);
  }

  @Property
  void shouldReadADateAsItsMidnightUtc(
      @ForAll @LongRange(min = EARLIEST, max = LATEST) long millis) {
    LocalDate date = Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC).toLocalDate();

    assertThat(read(date.toString())).isEqualTo(date.atStartOfDay().toInstant(ZoneOffset.UTC));
  }

  @Property
  void shouldReadAnAgeAsThatLongBeforeNow(
      @ForAll @IntRange(min = 0, max = 100_000) int amount, @ForAll("units") String unit) {
    ChronoUnit chrono =
        switch (unit) {
          case "s" -> ChronoUnit.SECONDS;
          case "m" -> ChronoUnit.MINUTES;
          case "h" -> ChronoUnit.HOURS;
          default -> ChronoUnit.DAYS;
        };
    Instant expected = CLOCK.instant().minus(Duration.of(amount, chrono));

    assertThat(read(amount + unit)).isEqualTo(expected);
    assertThat(read(amount + unit.toUpperCase(java.util.Locale.ROOT))).isEqualTo(expected);
  }

  @Property
  void shouldReadEpochMillisecondsAsThatInstant(
      @ForAll @LongRange(min = 0, max = LATEST) long millis) {
    assertThat(read(Long.toString(millis))).isEqualTo(Instant.ofEpochMilli(millis));
  }

  @Test
  void shouldReadNowAsTheClocksInstant() {
    assertThat(read("now")).isEqualTo(CLOCK.instant());
    assertThat(read("NOW")).isEqualTo(CLOCK.instant());
  }

  /**
   * One command line for every parse of the garbage property: building the whole tree for each of
   * its thousand tries took most of this class's time, and picocli resets every option before it
   * parses again.
   */
  private static final CommandLine PARSER = Tokenwatch.commandLine();

  @Property
  void shouldRefuseGarbageWithAParseErrorNamingTheOptionAndTheForms(
      @ForAll("garbage") String garbage, @ForAll("options") String option) {
    for (List<String> command : COMMANDS) {
      List<String> args = new ArrayList<>(command);
      args.add(option);
      args.add(garbage);
      if (command.get(0).equals("detect")) {
        args.add(option.equals("--from") ? "--to" : "--from");
        args.add("2026-01-01");
      }

      assertThatThrownBy(() -> PARSER.parseArgs(args.toArray(String[]::new)))
          .as("%s", args)
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("'" + option + "'")
          .hasMessageContaining("is not a time; use an ISO-8601 instant")
          .hasMessageContaining("an age before now");
    }
  }

  @Test
  void shouldDeclareEveryTimeOptionWithTheOneConverter() {
    List<String> timeOptions = new ArrayList<>();
    walk(Tokenwatch.commandLine().getCommandSpec(), timeOptions);

    assertThat(timeOptions)
        .contains("tokenwatch detect --from", "tokenwatch audit query --to")
        .allSatisfy(option -> assertThat(option).doesNotContain("!"));
  }

  private static void walk(CommandSpec spec, List<String> timeOptions) {
    for (OptionSpec option : spec.options()) {
      String name = option.longestName();
      if (List.of("--from", "--to", "--since", "--until", "--before", "--after").contains(name)) {
        boolean oneGrammar =
            option.type() == TimePoint.class
                && option.converters().length == 1
                && option.converters()[0] instanceof TimePoint.Converter;
        timeOptions.add(spec.qualifiedName() + " " + name + (oneGrammar ? "" : " !"));
      }
    }
    spec.subcommands().values().forEach(sub -> walk(sub.getCommandSpec(), timeOptions));
  }

  private static Instant read(String text) {
    return new TimePoint.Converter().convert(text).at(CLOCK);
  }

  @Provide
  Arbitrary<String> units() {
    return Arbitraries.of("s", "m", "h", "d");
  }

  @Provide
  Arbitrary<String> options() {
    return Arbitraries.of("--from", "--to");
  }

  @Provide
  Arbitrary<String> garbage() {
    Arbitrary<String> anything =
        Arbitraries.strings()
            .all()
            .ofMinLength(1)
            .ofMaxLength(100)
            .filter(
                s ->
                    s.chars()
                        .anyMatch(
                            c ->
                                !Character.isLetterOrDigit(c)
                                    && !Character.isWhitespace(c)
                                    && ":.,+-".indexOf(c) < 0));
    Arbitrary<String> wrongUnit =
        Arbitraries.integers()
            .between(0, 1000)
            .flatMap(
                n ->
                    Arbitraries.chars()
                        .range('a', 'z')
                        .filter(c -> "smhd".indexOf(c) < 0)
                        .map(c -> n + String.valueOf(c)));
    Arbitrary<String> words = Arbitraries.of("yesterday", "2026-13-01", "2026-02-30", "now-1h", "");
    return Arbitraries.oneOf(anything, wrongUnit, words)
        .filter(s -> !s.startsWith("-") && !s.startsWith("@"));
  }
}
