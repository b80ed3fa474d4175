package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a time an analyst types: an ISO-8601 instant ({@code 2026-01-01T10:00:00Z}), a date
 * ({@code 2026-01-01}, midnight UTC), an age ({@code 15m}, {@code 24h}, {@code 7d}: that long
 * before now), {@code now}, or epoch milliseconds. The one grammar of every time the CLI and the
 * audit API take; letters in any case. Stateless.
 */
public final class TimeArgument {

  private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd])");

  /** The accepted forms, for error messages. */
  public static final String FORMS =
      "an ISO-8601 instant (2026-01-01T10:00:00Z), a date (2026-01-01, midnight UTC), an age"
          + " before now (30s, 15m, 24h, 7d), now, or epoch milliseconds";

  private TimeArgument() {}

  /**
   * The epoch milliseconds {@code text} names.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static long parse(String text, Clock clock) {
    requireNonNull(text, "text");
    requireNonNull(clock, "clock");
    String value = text.strip();
    if (value.length() > 64) {
      throw new IllegalArgumentException("time too long");
    }
    if (value.equalsIgnoreCase("now")) {
      return clamp(clock.millis());
    }
    Matcher age = AGE.matcher(value.toLowerCase(Locale.ROOT));
    if (age.matches()) {
      long amount = Long.parseLong(age.group(1));
      Duration duration =
          switch (age.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
          };
      return clamp(clock.millis() - duration.toMillis());
    }
    if (value.matches("-?\\d{1,18}")) {
      return clamp(Long.parseLong(value));
    }
    try {
      return clamp(Instant.parse(value.toUpperCase(Locale.ROOT)).toEpochMilli());
    } catch (DateTimeParseException | ArithmeticException e) {
      // try a date
    }
    try {
      return clamp(LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException("not a time: use " + FORMS, e);
    }
  }

  private static long clamp(long millis) {
    return Math.max(AuditEvent.MIN_TIME, Math.min(AuditEvent.MAX_TIME, millis));
  }
}
