package io.tokenwatch.bench.streams;

import io.tokenwatch.bench.LoadAverage;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.ExecutionException;

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

  /**
   * Offers this load: sends with {@code sendOne} on a paced thread and samples {@code lag}, as a
   * ramp ({@link RateRamp}) or at one rate ({@link FixedRate}), with the load average at the start
   * and the end.
   *
   * @param tokens how many distinct tokens the traffic goes round, for the header
   */
  public void offer(Runnable sendOne, GroupLag lag, int tokens, PrintStream out)
      throws ExecutionException, InterruptedException {
    if (ramp) {
      out.printf(
          Locale.ROOT,
          "ramp %,d..%,d/s by %,d, %d s a step, threads=%d tokens=%d, load average %s%n",
          from,
          to,
          step,
          seconds,
          threads,
          tokens,
          LoadAverage.now());
      try (PacedPump pump = new PacedPump(sendOne, from)) {
        RateRamp.run(pump, lag, from, step, to, seconds, out);
      }
    } else {
      out.printf(
          Locale.ROOT,
          "rate=%s seconds=%d threads=%d tokens=%d, load average %s%n",
          from == 0 ? "unthrottled" : Long.toString(from),
          seconds,
          threads,
          tokens,
          LoadAverage.now());
      try (PacedPump pump = new PacedPump(sendOne, from)) {
        FixedRate.run(pump, lag, seconds, out);
      }
    }
    out.printf(Locale.ROOT, "load average at the end %s%n", LoadAverage.now());
  }

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
