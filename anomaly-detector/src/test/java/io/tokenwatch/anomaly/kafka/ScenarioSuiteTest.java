package io.tokenwatch.anomaly.kafka;

import static io.tokenwatch.anomaly.kafka.DetectorDriver.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.scenarios.Attack;
import io.tokenwatch.anomaly.scenarios.Attacks;
import io.tokenwatch.anomaly.scenarios.Expected;
import io.tokenwatch.anomaly.scenarios.Input;
import io.tokenwatch.anomaly.scenarios.NormalWorkload;
import io.tokenwatch.events.SecurityAlert;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Quality of detection: a synthetic normal workload raises nothing; each attack, alone or hidden in
 * normal traffic, raises exactly its alerts with the right subject and token.
 */
class ScenarioSuiteTest {

  static final int NORMAL_EVENTS = 100_000;

  static Stream<Attack> attacks() {
    return Attacks.all(7, START).stream();
  }

  static List<Expected> found(List<SecurityAlert> alerts) {
    return alerts.stream()
        .map(
            a ->
                new Expected(
                    Rule.valueOf(a.getRule().name()),
                    a.getSubject() != null ? a.getSubject() : "client:" + a.getClientId(),
                    a.getTokenId()))
        .toList();
  }

  @Test
  void shouldRaiseNoAlertOnANormalWorkloadOfAHundredThousandEvents() {
    List<Input> normal = NormalWorkload.generate(1, NORMAL_EVENTS, START);
    assertThat(normal).hasSizeGreaterThanOrEqualTo(NORMAL_EVENTS);
    try (DetectorDriver driver = new DetectorDriver(Attacks.settings())) {
      driver.pipe(normal);
      assertThat(driver.alerts()).isEmpty();
      assertThat(driver.deadLetters.isEmpty()).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void shouldRaiseExactlyTheExpectedAlertsOfEachAttack(Attack attack) {
    try (DetectorDriver driver = new DetectorDriver(Attacks.settings())) {
      driver.pipe(attack.inputs());
      List<SecurityAlert> alerts = driver.alerts();
      assertThat(found(alerts)).as(attack.name()).containsExactlyElementsOf(attack.expected());
      assertThat(alerts).allSatisfy(a -> assertThat(a.getEvidence().getEventIds()).isNotEmpty());
    }
  }

  @Test
  void shouldRaiseExactlyTheAttacksAlertsWhenTheyAreHiddenInNormalTraffic() {
    List<Attack> attacks = Attacks.all(11, START);
    List<Input> mixed = new ArrayList<>(NormalWorkload.generate(3, 60_000, START));
    List<Expected> expected = new ArrayList<>();
    for (Attack attack : attacks) {
      mixed.addAll(attack.inputs());
      expected.addAll(attack.expected());
    }
    mixed.sort(Comparator.comparing(Input::at));
    try (DetectorDriver driver = new DetectorDriver(Attacks.settings())) {
      driver.pipe(mixed);
      List<SecurityAlert> alerts = driver.alerts();
      assertThat(found(alerts)).containsExactlyInAnyOrderElementsOf(expected);
      EnumSet<Rule> rules = EnumSet.noneOf(Rule.class);
      expected.forEach(e -> rules.add(e.rule()));
      // Every rule on token events; the validator rules watch status reports by the wall clock.
      assertThat(rules)
          .containsExactlyInAnyOrderElementsOf(
              EnumSet.complementOf(EnumSet.of(Rule.VALIDATOR_SILENT, Rule.VALIDATOR_STALE)));
    }
  }
}
