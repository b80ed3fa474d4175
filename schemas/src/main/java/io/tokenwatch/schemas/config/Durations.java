package io.tokenwatch.schemas.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Durations as configuration values are written: {@code 500ms}, {@code 30s}, {@code 5m}, {@code
 * 1h}, or ISO-8601 ({@code PT30S}).
 */
public final class Durations {

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException when it is none of the accepted forms
   */
  public static Duration parse(String text) {
    requireNonNull(text, "text");
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("p")) {
        return Duration.parse(text.trim());
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      long n = Long.parseLong(s.substring(0, s.length() - 1));
      return switch (s.charAt(s.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new IllegalArgumentException("unknown unit in " + text);
      };
    } catch (NumberFormatException
        | DateTimeParseException
        | StringIndexOutOfBoundsException
        | ArithmeticException e) {
      throw new IllegalArgumentException("not a duration: " + text, e);
    }
  }

  /** {@code duration} as the shortest of the forms above that is exact: {@code 30s}, {@code 1h}. */
  public static String format(Duration duration) {
    requireNonNull(duration, "duration");
    if (duration.isZero()) {
      return "0s";
    }
    if (duration.toNanosPart() % 1_000_000 != 0) {
      return duration.toString();
    }
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }
}
