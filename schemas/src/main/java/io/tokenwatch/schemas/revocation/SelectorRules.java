package io.tokenwatch.schemas.revocation;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.SelectorKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a revocation selector (kind, value, optional {@code issued_before} watermark) may say: the
 * one definition that the issuer's admin API applies before it records anything and that the
 * revocation stream applies before it acts on a {@code RevocationRequested}, so that every request
 * the issuer accepts is one the stream applies, and every other one is refused up front rather than
 * dead-lettered later. docs/TOKENS.md states the same rules for other languages.
 *
 * <ul>
 *   <li><b>kind</b>: a known kind, never {@code UNKNOWN}.
 *   <li><b>value</b>: valid Unicode (no unpaired surrogate, no U+FFFD, the mark of text decoded
 *       lossily), no control character and no line or paragraph separator, not blank, no white
 *       space at either end, at most {@value #MAX_VALUE_BYTES} bytes in UTF-8.
 *   <li><b>watermark</b>: whole milliseconds (the feed carries milliseconds; {@link
 *       #roundUpToMillisecond} puts a finer instant on that grid without changing what it covers),
 *       after the Unix epoch (no token is issued before it, so an earlier watermark would revoke
 *       nothing), and at most {@link #MAX_WATERMARK_AHEAD} after the request time. The bound keeps
 *       the record's forget time (watermark + longest token lifetime + clock skew) a finite, near
 *       date: a watermark revokes every token issued until it passes, and the record stays on the
 *       feed that long.
 *   <li><b>request time</b>: between the epoch and {@link #LATEST_REQUEST_TIME}, so that every
 *       bound derived from it stays far inside what a millisecond timestamp can hold.
 * </ul>
 *
 * <p>The watermark bound is relative to the request time the requester stamps on the event ({@code
 * occurred_at}), not to a reader's clock, so the verdict on an event never changes with when or
 * where it is read. Stateless and thread-safe.
 */
public final class SelectorRules {

  /** The longest selector value, in UTF-8 bytes. */
  public static final int MAX_VALUE_BYTES = 1024;

  /** How far after the request time a watermark may lie. */
  public static final Duration MAX_WATERMARK_AHEAD = Duration.ofDays(366);

  /** The latest request time accepted. */
  public static final Instant LATEST_REQUEST_TIME = Instant.parse("9999-12-31T23:59:59.999Z");

  private SelectorRules() {}

  /**
   * Whether a request of this kind without a watermark gets its request time as its watermark: true
   * for the kinds that name a population still receiving new tokens (grant, subject, client,
   * audience), so tokens issued later stay valid; a token or a lineage is revoked outright. The
   * issuer's fast path and the revocation stream both resolve a request this way.
   */
  public static boolean defaultsToRequestTimeWatermark(SelectorKind kind) {
    requireNonNull(kind, "kind");
    return switch (kind) {
      case GRANT, SUBJECT, CLIENT, AUDIENCE -> true;
      default -> false;
    };
  }

  /**
   * One broken rule.
   *
   * @param field the field as the JSON body and the Avro record name it: {@code kind}, {@code
   *     value}, {@code issued_before} or {@code occurred_at}
   * @param reason why, in plain language, without repeating the offending value
   */
  public record Violation(String field, String reason) {
    public Violation {
      requireNonNull(field, "field");
      requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
      return field + " " + reason;
    }
  }

  /**
   * Every rule the selector breaks.
   *
   * @param kind the selector kind
   * @param value the selector value
   * @param issuedBefore the watermark, or null for none
   * @param requestedAt when the revocation was requested (the event's {@code occurred_at})
   * @return the violations, empty when the selector may be applied
   */
  public static List<Violation> check(
      SelectorKind kind, String value, @Nullable Instant issuedBefore, Instant requestedAt) {
    requireNonNull(kind, "kind");
    requireNonNull(value, "value");
    requireNonNull(requestedAt, "requestedAt");
    List<Violation> violations = new ArrayList<>(1);
    kindProblem(kind).ifPresent(reason -> violations.add(new Violation("kind", reason)));
    valueProblem(value).ifPresent(reason -> violations.add(new Violation("value", reason)));
    Optional<String> time = requestTimeProblem(requestedAt);
    time.ifPresent(reason -> violations.add(new Violation("occurred_at", reason)));
    if (issuedBefore != null && time.isEmpty()) {
      watermarkProblem(issuedBefore, requestedAt)
          .ifPresent(reason -> violations.add(new Violation("issued_before", reason)));
    }
    return List.copyOf(violations);
  }

  /** Why {@code kind} cannot be applied, or empty. */
  public static Optional<String> kindProblem(SelectorKind kind) {
    requireNonNull(kind, "kind");
    return kind == SelectorKind.UNKNOWN
        ? Optional.of("UNKNOWN cannot be evaluated")
        : Optional.empty();
  }

  /** Why {@code value} is not a selector value, or empty. */
  public static Optional<String> valueProblem(String value) {
    requireNonNull(value, "value");
    if (value.isEmpty()) {
      return Optional.of("must not be empty");
    }
    Optional<String> text = textProblem(value);
    if (text.isPresent()) {
      return text;
    }
    if (value.isBlank()) {
      return Optional.of("must not be blank");
    }
    if (!value.equals(value.strip())) {
      // " alice" would be recorded, and match no token of "alice".
      return Optional.of("must not begin or end with white space");
    }
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_VALUE_BYTES) {
      return Optional.of(
          "is " + bytes + " bytes in UTF-8; at most " + MAX_VALUE_BYTES + " are accepted");
    }
    return Optional.empty();
  }

  /**
   * Why {@code text} is not fit to be recorded, or empty: an unpaired surrogate (not Unicode; it
   * would become {@code ?} in UTF-8), U+FFFD (the mark of text decoded lossily), a control
   * character or a line or paragraph separator (they forge lines in logs and audit exports).
   */
  public static Optional<String> textProblem(String text) {
    requireNonNull(text, "text");
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      // codePointAt returns a surrogate only when it is not part of a pair.
      if (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE) {
        return Optional.of(
            "contains an unpaired surrogate "
                + hex(codePoint)
                + " at index "
                + i
                + ": not Unicode");
      }
      if (codePoint == 0xFFFD) {
        return Optional.of(
            "contains U+FFFD at index " + i + ", the mark of text that was decoded lossily");
      }
      int type = Character.getType(codePoint);
      if (type == Character.CONTROL) {
        return Optional.of("contains the control character " + hex(codePoint) + " at index " + i);
      }
      if (type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
        return Optional.of("contains the line break " + hex(codePoint) + " at index " + i);
      }
      i += Character.charCount(codePoint);
    }
    return Optional.empty();
  }

  /**
   * Why {@code issuedBefore} is not a watermark for a request made at {@code requestedAt}, or
   * empty.
   */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // only the sub-second part matters here
  public static Optional<String> watermarkProblem(Instant issuedBefore, Instant requestedAt) {
    requireNonNull(issuedBefore, "issuedBefore");
    requireNonNull(requestedAt, "requestedAt");
    if (issuedBefore.getNano() % 1_000_000 != 0) {
      return Optional.of(
          "is more precise than a millisecond; the revocation feed carries ms (round it up)");
    }
    if (!issuedBefore.isAfter(Instant.EPOCH)) {
      return Optional.of(
          "must be after " + Instant.EPOCH + ": no token is issued before it, so it revokes none");
    }
    Instant latest = latestWatermark(requestedAt);
    if (issuedBefore.isAfter(latest)) {
      return Optional.of(
          "must be at most "
              + MAX_WATERMARK_AHEAD.toDays()
              + " days after the request, i.e. not after "
              + latest);
    }
    return Optional.empty();
  }

  /**
   * {@code watermark} on the feed's millisecond grid, rounded up: it covers exactly the tokens the
   * given instant covers, since an {@code iat} has at most millisecond precision (a token issued at
   * millisecond {@code m} is before {@code m + 0.4 ms} exactly when it is before {@code m + 1 ms}).
   * A writer with a finer clock rounds with this before {@link #check}. An instant too late to be a
   * watermark anyway is returned as it is, for {@link #check} to refuse.
   */
  @SuppressWarnings("JavaInstantGetSecondsGetNano") // only the sub-second part matters here
  public static Instant roundUpToMillisecond(Instant watermark) {
    requireNonNull(watermark, "watermark");
    int subMillisecond = watermark.getNano() % 1_000_000;
    if (subMillisecond == 0 || watermark.isAfter(LATEST_REQUEST_TIME.plus(MAX_WATERMARK_AHEAD))) {
      return watermark;
    }
    return watermark.plusNanos(1_000_000L - subMillisecond);
  }

  /** Why {@code requestedAt} is not a request time, or empty. */
  public static Optional<String> requestTimeProblem(Instant requestedAt) {
    requireNonNull(requestedAt, "requestedAt");
    if (requestedAt.isBefore(Instant.EPOCH) || requestedAt.isAfter(LATEST_REQUEST_TIME)) {
      return Optional.of("must lie between " + Instant.EPOCH + " and " + LATEST_REQUEST_TIME);
    }
    return Optional.empty();
  }

  /**
   * The latest watermark accepted for a request made at {@code requestedAt}.
   *
   * @throws IllegalArgumentException if {@code requestedAt} is not a request time
   */
  public static Instant latestWatermark(Instant requestedAt) {
    Optional<String> problem = requestTimeProblem(requestedAt);
    if (problem.isPresent()) {
      throw new IllegalArgumentException("requestedAt " + problem.get());
    }
    return requestedAt.plus(MAX_WATERMARK_AHEAD);
  }

  private static String hex(int codePoint) {
    return String.format(Locale.ROOT, "U+%04X", codePoint);
  }
}
