package io.tokenwatch.console.web;

import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/** The history pages' query parameters, read strictly: a bad value is a {@link BadInput}. */
final class Inputs {

  /** The longest value accepted (the audit API's own limit). */
  static final int MAX_LENGTH = 1024;

  private Inputs() {}

  /** A person's mistake in a form or link; the page answers 400 with the message. */
  static final class BadInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInput(String message) {
      super(message);
    }
  }

  /** Query parameter {@code name}, stripped; null when absent or blank. */
  static @Nullable String text(Context ctx, String name) {
    String value = ctx.queryParam(name);
    return checked(name, value);
  }

  /** Form parameter {@code name}, stripped; null when absent or blank. */
  static @Nullable String form(Context ctx, String name) {
    return checked(name, ctx.formParam(name));
  }

  private static @Nullable String checked(String name, @Nullable String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String stripped = value.strip();
    if (stripped.length() > MAX_LENGTH) {
      throw new BadInput(name + " is longer than " + MAX_LENGTH + " characters");
    }
    for (int i = 0; i < stripped.length(); i++) {
      if (Character.isISOControl(stripped.charAt(i))) {
        throw new BadInput(name + " must not contain control characters");
      }
    }
    return stripped;
  }

  /**
   * Query parameter {@code name} as a whole number in {@code [min, max]}, else {@code fallback}.
   */
  static int integer(Context ctx, String name, int fallback, int min, int max) {
    String value = text(ctx, name);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // Said below.
    }
    throw new BadInput(name + " must be a whole number from " + min + " to " + max);
  }

  /** Query parameter {@code name} as epoch milliseconds (a page cursor), or null. */
  static @Nullable Long millis(Context ctx, String name) {
    String value = text(ctx, name);
    if (value == null) {
      return null;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new BadInput(name + " must be a time in epoch milliseconds");
    }
  }

  /**
   * Query parameter {@code name} as an instant: ISO-8601 ({@code 2026-03-01T09:00:00Z}), or a date
   * and time without zone as a browser's {@code datetime-local} field sends it, taken as UTC.
   */
  static @Nullable Instant instant(Context ctx, String name) {
    String value = text(ctx, name);
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException notIso) {
      try {
        return java.time.LocalDateTime.parse(value).toInstant(java.time.ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw new BadInput(
            name + " must be a time such as 2026-03-01T09:00:00Z (UTC) or 2026-03-01T09:00");
      }
    }
  }

  /** An ISO instant's epoch milliseconds (the audit API's times). */
  static long epochMillis(String iso) {
    return Instant.parse(iso).toEpochMilli();
  }

  /** {@code path?name=value&...} with the non-null values, URL-encoded. */
  static String link(String path, Map<String, ?> params) {
    StringJoiner query = new StringJoiner("&");
    params.forEach(
        (name, value) -> {
          if (value != null) {
            query.add(
                URLEncoder.encode(name, StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8));
          }
        });
    return query.length() == 0 ? path : path + "?" + query;
  }
}
