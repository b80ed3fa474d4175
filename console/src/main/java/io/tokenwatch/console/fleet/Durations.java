package io.tokenwatch.console.fleet;

import java.time.Duration;

/** Durations as the pages show them: milliseconds under a second, else seconds or minutes. */
public final class Durations {

  private Durations() {}

  /** {@code 850 ms}, {@code 4.2 s}, {@code 3 min 5 s}, {@code 2 h 10 min}. */
  public static String words(Duration duration) {
    long millis = Math.max(0, duration.toMillis());
    if (millis < 1_000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      long tenths = millis / 100;
      return (tenths / 10) + "." + (tenths % 10) + " s";
    }
    long seconds = millis / 1_000;
    if (seconds < 3_600) {
      return (seconds / 60) + " min " + (seconds % 60) + " s";
    }
    long minutes = seconds / 60;
    return (minutes / 60) + " h " + (minutes % 60) + " min";
  }
}
