package io.tokenwatch.console.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.jspecify.annotations.Nullable;

/** How pages write times: UTC to the second, the same on every page. Stateless. */
public final class Times {

  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private Times() {}

  /** {@code 2026-12-05 09:12:03Z}, or an empty string for null. */
  public static String utc(@Nullable Instant time) {
    return time == null ? "" : UTC.format(time);
  }

  /** {@code 09:12Z}: a minute of today's charts. */
  public static String minute(Instant time) {
    return DateTimeFormatter.ofPattern("HH:mm'Z'").withZone(ZoneOffset.UTC).format(time);
  }
}
