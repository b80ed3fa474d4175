package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Rule;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Precision and recall of a detector's alerts over a {@link Labelled} workload.
 *
 * @param byRule per rule that alerted or was expected to
 * @param legitimateEvents events of the workload that belong to no attack
 * @param attacks how many attacks the workload hides
 * @param missed the attacks with an expected rule that did not alert on them
 * @param falseAlerts the alerts of no attack
 */
public record Score(
    Map<Rule, RuleScore> byRule,
    long legitimateEvents,
    int attacks,
    List<LabelledAttack> missed,
    List<Detection> falseAlerts) {

  public Score {
    byRule = Map.copyOf(new EnumMap<>(requireNonNull(byRule, "byRule")));
    missed = List.copyOf(missed);
    falseAlerts = List.copyOf(falseAlerts);
    if (legitimateEvents < 1) {
      throw new IllegalArgumentException("a workload needs legitimate events");
    }
  }

  /**
   * One rule's figures.
   *
   * @param alerts alerts it raised
   * @param falseAlerts of those, alerts of no attack
   * @param expected attacks that expect it
   * @param caught of those, attacks it alerted on
   */
  public record RuleScore(long alerts, long falseAlerts, long expected, long caught) {
    public RuleScore {
      if (falseAlerts > alerts || caught > expected || alerts < 0 || expected < 0) {
        throw new IllegalArgumentException("inconsistent rule score");
      }
    }
  }

  /** The rule's figures, zeros when it neither alerted nor was expected. */
  public RuleScore of(Rule rule) {
    return byRule.getOrDefault(rule, new RuleScore(0, 0, 0, 0));
  }

  /** False alerts per million legitimate events. */
  public double falsePerMillion(long falseAlerts) {
    return falseAlerts * 1_000_000.0 / legitimateEvents;
  }

  /** Every alert raised. */
  public long alerts() {
    return byRule.values().stream().mapToLong(RuleScore::alerts).sum();
  }

  /** Attacks all of whose expected rules alerted on them. */
  public int caught() {
    return attacks - missed.size();
  }
}
