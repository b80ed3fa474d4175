package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Rule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A labelled workload: legitimate traffic with scripted attacks hidden in it, and the labels that
 * tell a true alert from a false one.
 *
 * @param events every event, legitimate and attack, in time order
 * @param attacks the attacks hidden in {@code events}
 * @param description what the workload holds
 */
public record Labelled(List<Input> events, List<LabelledAttack> attacks, Description description) {

  public Labelled {
    events = List.copyOf(events);
    attacks = List.copyOf(attacks);
    requireNonNull(description, "description");
    for (int i = 1; i < events.size(); i++) {
      if (events.get(i).at().isBefore(events.get(i - 1).at())) {
        throw new IllegalArgumentException("events must be in time order (index " + i + ")");
      }
    }
    Set<String> ids = new HashSet<>();
    for (LabelledAttack attack : attacks) {
      if (!ids.add(attack.id())) {
        throw new IllegalArgumentException("duplicate attack id " + attack.id());
      }
    }
  }

  /**
   * What a workload holds.
   *
   * @param events every event
   * @param legitimateEvents events that belong to no attack
   * @param clients distinct clients in the events
   * @param subjects distinct subjects in the events (service clients are their own subject)
   * @param days simulated days
   * @param start the first instant of the workload
   * @param end the end of the workload (exclusive)
   * @param patterns how often each named legitimate pattern occurs, in the model's order
   */
  public record Description(
      long events,
      long legitimateEvents,
      int clients,
      int subjects,
      int days,
      Instant start,
      Instant end,
      Map<String, Long> patterns) {
    public Description {
      requireNonNull(start, "start");
      requireNonNull(end, "end");
      patterns = Collections.unmodifiableMap(new LinkedHashMap<>(patterns));
      if (legitimateEvents > events) {
        throw new IllegalArgumentException("more legitimate events than events");
      }
    }
  }

  /** The attack {@code alert} is an alert of, or empty for a false alert. */
  public Optional<LabelledAttack> attackOf(Detection alert) {
    requireNonNull(alert, "alert");
    return attacks.stream().filter(attack -> attack.matches(alert)).findFirst();
  }

  /** Whether {@code alert} is a true alert: one of a labelled attack. */
  public boolean isTrue(Detection alert) {
    return attackOf(alert).isPresent();
  }

  /** Precision and recall of {@code alerts} against the labels, per rule. */
  public Score score(Collection<Detection> alerts) {
    requireNonNull(alerts, "alerts");
    Map<Rule, long[]> counts = new EnumMap<>(Rule.class);
    List<Detection> falseAlerts = new ArrayList<>();
    for (Detection alert : alerts) {
      long[] c = counts.computeIfAbsent(alert.rule(), r -> new long[4]);
      c[0]++;
      if (!isTrue(alert)) {
        c[1]++;
        falseAlerts.add(alert);
      }
    }
    List<LabelledAttack> missed = new ArrayList<>();
    for (LabelledAttack attack : attacks) {
      boolean all = true;
      for (Rule rule : attack.expected()) {
        long[] c = counts.computeIfAbsent(rule, r -> new long[4]);
        c[2]++;
        boolean caught =
            alerts.stream().anyMatch(alert -> alert.rule() == rule && attack.matches(alert));
        if (caught) {
          c[3]++;
        } else {
          all = false;
        }
      }
      if (!all) {
        missed.add(attack);
      }
    }
    Map<Rule, Score.RuleScore> byRule = new EnumMap<>(Rule.class);
    counts.forEach((rule, c) -> byRule.put(rule, new Score.RuleScore(c[0], c[1], c[2], c[3])));
    return new Score(byRule, description.legitimateEvents(), attacks.size(), missed, falseAlerts);
  }
}
