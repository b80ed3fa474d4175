package io.tokenwatch.console.alerts;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What a person did about an alert, as recorded on the alert-actions topic. Every act names its
 * author; the board shows the latest acknowledgement and assignment of each alert and every
 * suppression.
 */
public sealed interface AlertAct permits AlertAct.Acknowledge, AlertAct.Assign, AlertAct.Suppress {

  /** The event's id, for deduplication. */
  String eventId();

  /** The alert acted on. */
  String alertId();

  /** The person who acted (their id). */
  String actor();

  /** When they acted. */
  Instant at();

  /** Why, in their words, or null. */
  @Nullable String reason();

  /** The person has seen the alert and looks into it. */
  record Acknowledge(
      String eventId, String alertId, String actor, Instant at, @Nullable String reason)
      implements AlertAct {
    public Acknowledge {
      requireNonNull(eventId, "eventId");
      requireNonNull(alertId, "alertId");
      requireNonNull(actor, "actor");
      requireNonNull(at, "at");
    }
  }

  /** The person gave the alert to {@code assignee}. */
  record Assign(
      String eventId,
      String alertId,
      String actor,
      Instant at,
      @Nullable String reason,
      String assignee)
      implements AlertAct {
    public Assign {
      requireNonNull(eventId, "eventId");
      requireNonNull(alertId, "alertId");
      requireNonNull(actor, "actor");
      requireNonNull(at, "at");
      requireNonNull(assignee, "assignee");
    }
  }

  /**
   * The person suppressed alerts of {@code rule} on {@code subject} and {@code clientId} (null
   * matches an alert that names none) until {@code until}.
   */
  record Suppress(
      String eventId,
      String alertId,
      String actor,
      Instant at,
      @Nullable String reason,
      Suppression suppression)
      implements AlertAct {
    public Suppress {
      requireNonNull(eventId, "eventId");
      requireNonNull(alertId, "alertId");
      requireNonNull(actor, "actor");
      requireNonNull(at, "at");
      requireNonNull(suppression, "suppression");
    }
  }
}
