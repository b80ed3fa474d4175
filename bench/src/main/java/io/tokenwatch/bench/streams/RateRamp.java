package io.tokenwatch.bench.streams;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Finds the saturation rate of a Streams app: offers rates in steps and keeps the highest one the
 * app kept up with. A step is kept when the producer achieved the offered rate (98%), the app
 * committed at least 97% of it, and the group's lag did not grow: the least-squares slope of the
 * lag samples over the step, after its first {@value #SETTLE_SECONDS} seconds, is at most 2% of the
 * offered rate. Lag under exactly-once oscillates with the commit interval, so a slope over many
 * samples is the measure, not one sample. The ramp stops at the first step not kept.
 */
public final class RateRamp {

  /** Seconds at the start of each step left out of its figures, while the new rate settles. */
  public static final int SETTLE_SECONDS = 4;

  private static final int SAMPLE_SECONDS = 2;

  private static final int WARM_UP_SECONDS = 90;

  /**
   * One step.
   *
   * @param offered the rate asked of the producer, per second
   * @param sent what it achieved, per second
   * @param processed what the app committed, per second
   * @param lagSlope how fast the lag grew, records per second (negative: shrank)
   * @param lagAtEnd the lag at the end of the step, records
   * @param kept whether the app kept up (see the class comment)
   */
  public record Step(
      long offered, double sent, double processed, double lagSlope, long lagAtEnd, boolean kept) {}

  private RateRamp() {}

  /**
   * Runs the ramp {@code from}, {@code from + step}, ... up to {@code to} per second, {@code
   * seconds} each, printing every sample and step to {@code out}.
   *
   * @return the steps run, the last one not kept unless every step was
   */
  public static List<Step> run(
      PacedPump pump, GroupLag lag, long from, long step, long to, int seconds, PrintStream out)
      throws ExecutionException, InterruptedException {
    requireNonNull(pump, "pump");
    requireNonNull(lag, "lag");
    if (from <= 0 || step <= 0 || to < from || seconds < SETTLE_SECONDS + 3 * SAMPLE_SECONDS) {
      throw new IllegalArgumentException(
          "a ramp needs 0 < from <= to, step > 0 and at least "
              + (SETTLE_SECONDS + 3 * SAMPLE_SECONDS)
              + " s a step");
    }
    warmUp(pump, lag, from, out);
    List<Step> steps = new ArrayList<>();
    out.printf(Locale.ROOT, "  offered   t(s)       lag%n");
    for (long rate = from; rate <= to; rate += step) {
      Step result = step(pump, lag, rate, seconds, out);
      steps.add(result);
      out.printf(
          Locale.ROOT,
          "step %,d/s: sent %,.0f/s, processed %,.0f/s, lag slope %+,.0f records/s, lag %,d: %s%n",
          result.offered(),
          result.sent(),
          result.processed(),
          result.lagSlope(),
          result.lagAtEnd(),
          result.kept() ? "kept up" : "NOT kept up");
      if (!result.kept()) {
        break;
      }
    }
    long saturation = steps.stream().filter(Step::kept).mapToLong(Step::offered).max().orElse(0);
    out.printf(
        Locale.ROOT,
        "saturation: %,d/s (the highest offered rate kept up with, lag flat)%n",
        saturation);
    return steps;
  }

  /**
   * Offers {@code rate} until the app has caught up with what piled up while it started (lag under
   * a fifth of a second's worth, three samples in a row), at most {@value #WARM_UP_SECONDS} s; not
   * part of any step.
   */
  private static void warmUp(PacedPump pump, GroupLag lag, long rate, PrintStream out)
      throws ExecutionException, InterruptedException {
    pump.rate(rate);
    long started = System.nanoTime();
    int caughtUp = 0;
    long behind = 0;
    while (caughtUp < 3
        && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS)) {
      TimeUnit.SECONDS.sleep(SAMPLE_SECONDS);
      behind = lag.end() - lag.committed();
      caughtUp = behind < rate / 5 ? caughtUp + 1 : 0;
    }
    out.printf(
        Locale.ROOT,
        "warm-up at %,d/s: %.0f s, lag %,d%s%n",
        rate,
        (System.nanoTime() - started) / 1e9,
        behind,
        caughtUp >= 3 ? "" : " (not caught up: the first step starts behind)");
  }

  private static Step step(PacedPump pump, GroupLag lag, long rate, int seconds, PrintStream out)
      throws ExecutionException, InterruptedException {
    pump.rate(rate);
    TimeUnit.SECONDS.sleep(SETTLE_SECONDS);
    long t0 = System.nanoTime();
    long sent0 = pump.sent();
    long processed0 = lag.committed();
    List<double[]> samples = new ArrayList<>();
    samples.add(new double[] {0, lag.end() - processed0});
    long sent = sent0;
    long processed = processed0;
    long last = 0;
    long at = t0;
    for (int s = SETTLE_SECONDS + SAMPLE_SECONDS; s <= seconds; s += SAMPLE_SECONDS) {
      TimeUnit.SECONDS.sleep(SAMPLE_SECONDS);
      at = System.nanoTime();
      sent = pump.sent();
      processed = lag.committed();
      last = lag.end() - processed;
      samples.add(new double[] {(at - t0) / 1e9, last});
      out.printf(Locale.ROOT, "%9d %6d %9d%n", rate, s, last);
    }
    double span = (at - t0) / 1e9;
    double sentRate = (sent - sent0) / span;
    double processedRate = (processed - processed0) / span;
    double slope = slope(samples);
    return new Step(
        rate, sentRate, processedRate, slope, last, kept(rate, sentRate, processedRate, slope));
  }

  /** Whether an app kept up with {@code rate} (see the class comment). */
  static boolean kept(long rate, double sent, double processed, double lagSlope) {
    return sent >= 0.98 * rate && processed >= 0.97 * rate && lagSlope <= 0.02 * rate;
  }

  /** The least-squares slope of {@code y} over {@code x}. */
  static double slope(List<double[]> points) {
    double n = points.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (double[] p : points) {
      sx += p[0];
      sy += p[1];
      sxx += p[0] * p[0];
      sxy += p[0] * p[1];
    }
    double denominator = n * sxx - sx * sx;
    return denominator == 0 ? 0 : (n * sxy - sx * sy) / denominator;
  }
}
