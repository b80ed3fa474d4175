package io.tokenwatch.console.alerts;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The overview's alerts: the most recent {@code capacity} alerts, newest first, each with the
 * latest acknowledgement and assignment people made and the suppression that hides it, if any.
 * Alerts and acts arrive in any order (they come from two topics): an act for an alert not seen yet
 * is kept and applies when the alert comes. Acts are deduplicated by event id. Thread-safe.
 */
public final class AlertBoard {

  /** Newest first; equal times by alert id, so the order does not depend on arrival. */
  static final Comparator<Alert> NEWEST_FIRST =
      Comparator.comparing(Alert::occurredAt).reversed().thenComparing(Alert::alertId);

  private final int capacity;
  private final TreeMap<Alert, Alert> alerts = new TreeMap<>(NEWEST_FIRST);
  private final Map<String, Alert> byId = new HashMap<>();
  private final Map<String, AlertAct.Acknowledge> acknowledged = new HashMap<>();
  private final Map<String, AlertAct.Assign> assigned = new HashMap<>();
  private final List<Suppression> suppressions = new ArrayList<>();
  private final Set<String> seenActs = new HashSet<>();

  /**
   * @param capacity how many alerts to keep; the oldest go first
   */
  public AlertBoard(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Adds an alert. The detector re-raises an alert under its id, and updates an incident under its
   * id with a higher revision: the later of the two is kept (an older copy read late changes
   * nothing), so an alert's place only ever moves up and the board holds exactly the newest {@code
   * capacity} alerts of everything it was given.
   *
   * @return whether the board changed and shows it (false when a newer copy is kept, or when it is
   *     older than every kept alert and the board is full)
   */
  public synchronized boolean add(Alert alert) {
    requireNonNull(alert, "alert");
    Alert previous = byId.get(alert.alertId());
    if (previous != null) {
      if (!previous.supersededBy(alert)) {
        return false;
      }
      byId.remove(alert.alertId());
      alerts.remove(previous);
    }
    alerts.put(alert, alert);
    byId.put(alert.alertId(), alert);
    while (alerts.size() > capacity) {
      Alert oldest = alerts.pollLastEntry().getKey();
      byId.remove(oldest.alertId());
    }
    return byId.containsKey(alert.alertId());
  }

  /** Applies what a person did; a repeated event id changes nothing. */
  public synchronized void apply(AlertAct act) {
    requireNonNull(act, "act");
    if (!seenActs.add(act.eventId())) {
      return;
    }
    if (act instanceof AlertAct.Acknowledge ack) {
      acknowledged.merge(act.alertId(), ack, AlertBoard::later);
    } else if (act instanceof AlertAct.Assign assign) {
      assigned.merge(act.alertId(), assign, AlertBoard::later);
    } else if (act instanceof AlertAct.Suppress suppress) {
      suppressions.add(suppress.suppression());
    }
    notifyAll();
  }

  /**
   * Waits until the act with {@code eventId} has been applied, at most {@code timeout}.
   *
   * @return whether it was
   */
  public synchronized boolean awaitApplied(String eventId, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!seenActs.contains(eventId)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  /** The alert with this id, if kept. */
  public synchronized @Nullable Alert alert(String alertId) {
    return byId.get(alertId);
  }

  /** The board at {@code now}: alerts not suppressed, and the suppressed ones, newest first. */
  public synchronized View view(Instant now) {
    requireNonNull(now, "now");
    List<Entry> active = new ArrayList<>();
    List<Entry> suppressed = new ArrayList<>();
    for (Alert alert : alerts.keySet()) {
      Entry entry = entry(alert, now);
      (entry.suppressedBy() == null ? active : suppressed).add(entry);
    }
    return new View(active, suppressed);
  }

  /** One alert at {@code now}, as {@link #view} shows it. */
  public synchronized Entry entry(Alert alert, Instant now) {
    Suppression hiding = null;
    for (Suppression suppression : suppressions) {
      if (suppression.hides(alert, now)
          && (hiding == null || suppression.until().isAfter(hiding.until()))) {
        hiding = suppression;
      }
    }
    return new Entry(
        alert, acknowledged.get(alert.alertId()), assigned.get(alert.alertId()), hiding);
  }

  private static <A extends AlertAct> A later(A kept, A arriving) {
    return arriving.at().isBefore(kept.at()) ? kept : arriving;
  }

  /**
   * An alert with what people did about it.
   *
   * @param suppressedBy the suppression that hides it now (the one lasting longest), or null
   */
  public record Entry(
      Alert alert,
      AlertAct.@Nullable Acknowledge acknowledged,
      AlertAct.@Nullable Assign assigned,
      @Nullable Suppression suppressedBy) {
    public Entry {
      requireNonNull(alert, "alert");
    }
  }

  /** The alerts shown, and those suppressed, newest first. */
  public record View(List<Entry> active, List<Entry> suppressed) {
    public View {
      active = List.copyOf(active);
      suppressed = List.copyOf(suppressed);
    }
  }
}
