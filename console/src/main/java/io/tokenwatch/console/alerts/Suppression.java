package io.tokenwatch.console.alerts;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A suppression: alerts of {@code rule} on exactly this {@code subject} and {@code clientId} (a
 * null one matches only alerts that name none, so suppressing a client-wide alert does not hide
 * every subject's) are shown as suppressed until {@code until}, then come back.
 *
 * @param actor who suppressed
 */
public record Suppression(
    String rule, @Nullable String subject, @Nullable String clientId, Instant until, String actor) {

  /** The longest a suppression may last: a month without anyone looking is too long. */
  public static final Duration MAX = Duration.ofDays(30);

  public Suppression {
    requireNonNull(rule, "rule");
    requireNonNull(until, "until");
    requireNonNull(actor, "actor");
  }

  /** Whether this suppression hides {@code alert} at {@code now}: same target, not yet expired. */
  public boolean hides(Alert alert, Instant now) {
    return now.isBefore(until) && covers(alert);
  }

  /** Whether {@code alert} is of the rule, subject and client suppressed, whatever the time. */
  public boolean covers(Alert alert) {
    return rule.equals(alert.rule())
        && Objects.equals(subject, alert.subject())
        && Objects.equals(clientId, alert.clientId());
  }

  /**
   * Checks the end of a suppression asked for at {@code now}.
   *
   * @return {@code until} when it is after {@code now} and at most {@link #MAX} later
   * @throws IllegalArgumentException with a message for the person otherwise
   */
  public static Instant checkUntil(Instant now, Instant until) {
    requireNonNull(now, "now");
    requireNonNull(until, "until");
    if (!until.isAfter(now)) {
      throw new IllegalArgumentException("a suppression must end in the future");
    }
    if (until.isAfter(now.plus(MAX))) {
      throw new IllegalArgumentException(
          "a suppression may last at most " + MAX.toDays() + " days");
    }
    return until;
  }
}
