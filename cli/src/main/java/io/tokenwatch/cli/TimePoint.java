package io.tokenwatch.cli;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.audit.TimeArgument;
import java.time.Clock;
import java.time.Instant;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A time as typed on the command line, in the one grammar of every {@code --from}/{@code --to}
 * option ({@link TimeArgument}): an ISO-8601 instant, a date (midnight UTC), an age before now
 * ({@code 15m}, {@code 2h}, {@code 7d}), {@code now}, or epoch milliseconds. Checked when the
 * command line is parsed; an age is read against the clock of the command that uses it, so the text
 * is kept as typed (the audit API reads it the same way).
 *
 * @param text the value as typed, known to parse
 */
record TimePoint(String text) {

  TimePoint {
    requireNonNull(text, "text");
    TimeArgument.parse(text, Clock.systemUTC());
  }

  /** The instant this names, ages read against {@code clock}. */
  Instant at(Clock clock) {
    return Instant.ofEpochMilli(TimeArgument.parse(text, clock));
  }

  @Override
  public String toString() {
    return text;
  }

  /**
   * The converter every time option declares: a value outside the grammar is a parse error naming
   * the accepted forms (picocli adds the option's name), never an exception from deeper down.
   */
  static final class Converter implements ITypeConverter<TimePoint> {
    @Override
    public TimePoint convert(String value) {
      try {
        return new TimePoint(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'" + AuditOutput.printable(value) + "' is not a time; use " + TimeArgument.FORMS);
      }
    }
  }
}
