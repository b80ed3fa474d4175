package io.tokenwatch.cli.demo;

import java.io.PrintWriter;
import java.util.Locale;

/** Prints what happens as it happens, one line each, with the time since the demo started. */
public final class Narrator {

  private final PrintWriter out;
  private final long startNanos;

  public Narrator(PrintWriter out, long startNanos) {
    this.out = out;
    this.startNanos = startNanos;
  }

  /**
   * One line: {@code " 12.3s ISSUED text"}.
   *
   * @param what a short upper-case tag (ISSUED, USED, DENIED, REVOKED, ALERT, ...)
   */
  public synchronized void say(String what, String text) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    out.printf(Locale.ROOT, "%7.1fs  %-9s %s%n", seconds, what, text);
    out.flush();
  }

  /** A plain line, for headings and the summary. */
  public synchronized void line(String text) {
    out.println(text);
    out.flush();
  }

  /** The first characters of a token id, enough to tell tokens apart in the narration. */
  static String shortId(String id) {
    return id.length() <= 8 ? id : id.substring(0, 8);
  }
}
