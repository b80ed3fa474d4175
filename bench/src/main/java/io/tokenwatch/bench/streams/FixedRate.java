package io.tokenwatch.bench.streams;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One offered rate for a while: every two seconds what was sent, what the app committed and its
 * lag; then the committed rate from t = 10 s on, and the steady state over the last 30 s (the JIT
 * has compiled the hot paths by then) with the lag's growth over it.
 */
public final class FixedRate {

  private FixedRate() {}

  /** Samples {@code lag} for {@code seconds} while {@code pump} sends, printing to {@code out}. */
  public static void run(PacedPump pump, GroupLag lag, int seconds, PrintStream out)
      throws ExecutionException, InterruptedException {
    requireNonNull(pump, "pump");
    requireNonNull(lag, "lag");
    out.printf(Locale.ROOT, "  t(s)   sent/s  processed/s       lag%n");
    long lastProcessed = lag.committed();
    long lastSent = pump.sent();
    long last = System.nanoTime();
    long firstProcessed = -1;
    long firstAt = 0;
    int steadyFrom = Math.max(10, seconds - 30);
    long steadyProcessed = -1;
    long steadyAt = 0;
    long steadyLag = 0;
    long behind = 0;
    for (int s = 2; s <= seconds; s += 2) {
      TimeUnit.SECONDS.sleep(2);
      long at = System.nanoTime();
      long processed = lag.committed();
      long end = lag.end();
      long sent = pump.sent();
      double dt = (at - last) / 1e9;
      behind = end - processed;
      if (s == 10) {
        firstProcessed = processed;
        firstAt = at;
      }
      if (s == steadyFrom) {
        steadyProcessed = processed;
        steadyAt = at;
        steadyLag = behind;
      }
      out.printf(
          Locale.ROOT,
          "%6d %8.0f %12.0f %9d%n",
          s,
          (sent - lastSent) / dt,
          (processed - lastProcessed) / dt,
          behind);
      lastProcessed = processed;
      lastSent = sent;
      last = at;
    }
    if (firstProcessed >= 0) {
      out.printf(
          Locale.ROOT,
          "sustained processed/s after warm-up (t=10s..%ds): %.0f%n",
          seconds,
          (lastProcessed - firstProcessed) / ((last - firstAt) / 1e9));
    }
    if (steadyProcessed >= 0 && last > steadyAt) {
      double span = (last - steadyAt) / 1e9;
      out.printf(
          Locale.ROOT,
          "steady state (t=%ds..%ds): processed/s %.0f, lag %+.0f records/s%n",
          steadyFrom,
          seconds,
          (lastProcessed - steadyProcessed) / span,
          (behind - steadyLag) / span);
    }
  }
}
