package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.console.alerts.Alert;
import io.tokenwatch.console.alerts.AlertAct;
import io.tokenwatch.console.alerts.Suppression;
import io.tokenwatch.events.AlertAction;
import io.tokenwatch.events.AlertActionKind;
import io.tokenwatch.events.Evidence;
import io.tokenwatch.events.SecurityAlert;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Between the alert topics' Avro events and the overview's domain. Stateless. */
public final class AlertEvents {

  private AlertEvents() {}

  /** The alert a {@code SecurityAlert} event raises. */
  public static Alert alert(SecurityAlert event) {
    requireNonNull(event, "event");
    Evidence evidence = event.getEvidence();
    return new Alert(
        event.getAlertId(),
        event.getOccurredAt(),
        event.getRule().name(),
        event.getSeverity().name(),
        event.getSubject(),
        event.getClientId(),
        event.getTokenId(),
        event.getGrantId(),
        event.getSummary(),
        evidence.getCount(),
        evidence.getFirstSeen(),
        evidence.getLastSeen(),
        Map.copyOf(evidence.getObserved()),
        Map.copyOf(evidence.getThresholds()),
        event.getRevision(),
        List.copyOf(event.getCovers()));
  }

  /**
   * What an {@code AlertAction} event records; empty for an action this console does not know
   * ({@code UNKNOWN}: written by a newer one) or one that lacks what its kind needs.
   */
  public static Optional<AlertAct> act(AlertAction event) {
    requireNonNull(event, "event");
    return switch (event.getAction()) {
      case ACKNOWLEDGE ->
          Optional.of(
              new AlertAct.Acknowledge(
                  event.getEventId(),
                  event.getAlertId(),
                  event.getActor(),
                  event.getOccurredAt(),
                  event.getReason()));
      case ASSIGN ->
          event.getAssignee() == null
              ? Optional.empty()
              : Optional.of(
                  new AlertAct.Assign(
                      event.getEventId(),
                      event.getAlertId(),
                      event.getActor(),
                      event.getOccurredAt(),
                      event.getReason(),
                      event.getAssignee()));
      case SUPPRESS ->
          event.getRule() == null || event.getSuppressUntil() == null
              ? Optional.empty()
              : Optional.of(
                  new AlertAct.Suppress(
                      event.getEventId(),
                      event.getAlertId(),
                      event.getActor(),
                      event.getOccurredAt(),
                      event.getReason(),
                      new Suppression(
                          event.getRule(),
                          event.getSubject(),
                          event.getClientId(),
                          event.getSuppressUntil(),
                          event.getActor())));
      case UNKNOWN -> Optional.empty();
    };
  }

  /** The event that records {@code act}. */
  public static AlertAction event(AlertAct act) {
    requireNonNull(act, "act");
    AlertAction.Builder event =
        AlertAction.newBuilder()
            .setEventId(act.eventId())
            .setOccurredAt(act.at())
            .setAlertId(act.alertId())
            .setActor(act.actor())
            .setReason(act.reason());
    if (act instanceof AlertAct.Assign assign) {
      event.setAction(AlertActionKind.ASSIGN).setAssignee(assign.assignee());
    } else if (act instanceof AlertAct.Suppress suppress) {
      event
          .setAction(AlertActionKind.SUPPRESS)
          .setSuppressUntil(suppress.suppression().until())
          .setRule(suppress.suppression().rule())
          .setSubject(suppress.suppression().subject())
          .setClientId(suppress.suppression().clientId());
    } else {
      event.setAction(AlertActionKind.ACKNOWLEDGE);
    }
    return event.build();
  }
}
