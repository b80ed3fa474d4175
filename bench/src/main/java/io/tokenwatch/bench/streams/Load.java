package io.tokenwatch.bench.streams;

import java.util.Locale;

/**
 * What a streams throughput run offers, from its command line: either {@code [rate/s, 0 =
 * unthrottled] [seconds] [stream threads]} at one rate, or {@code ramp <from/s> <step/s> <to/s>
 * <seconds a step> [stream threads]}.
 *
 * @param ramp whether this is a ramp
 * @param from the rate, or the ramp's first rate, per second (0: unthrottled)
 * @param step the ramp's step, per second (0 for one rate)
 * @param to the ramp's last rate (the rate for one rate)
 * @param seconds the run's length, or each step's
 * @param threads the app's stream threads
 */
public record Load(boolean ramp, long from, long step, long to, int seconds, int threads) {

  /** Parses the arguments; throws {@link IllegalArgumentException} with the usage otherwise. */
  public static Load parse(String[] args) {
    try {
      if (args.length > 0 && args[0].toLowerCase(Locale.ROOT).equals("ramp")) {
        if (args.length < 5) {
          throw new IllegalArgumentException("ramp needs <from/s> <step/s> <to/s> <seconds>");
        }
        return new Load(
            true,
            Long.parseLong(args[1]),
            Long.parseLong(args[2]),
            Long.parseLong(args[3]),
            Integer.parseInt(args[4]),
            args.length > 5 ? Integer.parseInt(args[5]) : 1);
      }
      long rate = args.length > 0 ? Long.parseLong(args[0]) : 0;
      return new Load(
          false,
          rate,
          0,
          rate,
          args.length > 1 ? Integer.parseInt(args[1]) : 60,
          args.length > 2 ? Integer.parseInt(args[2]) : 1);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "usage: [rate/s, 0 = unthrottled] [seconds] [stream threads] | ramp <from/s> <step/s>"
              + " <to/s> <seconds a step> [stream threads]: "
              + e.getMessage(),
          e);
    }
  }
}
