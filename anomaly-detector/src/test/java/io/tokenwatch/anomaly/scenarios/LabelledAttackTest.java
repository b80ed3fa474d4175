package io.tokenwatch.anomaly.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.anomaly.Rule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a benchmark tells an attack's alerts from false ones, and what it counts. */
class LabelledAttackTest {

  static final Instant AT = Instant.parse("2030-01-08T12:00:00Z");

  static final LabelledAttack STOLEN =
      new LabelledAttack(
          "stolen-1",
          "a stolen token",
          Set.of(Rule.UNFAMILIAR_CLIENT),
          Set.of(Rule.TOKEN_SPREAD),
          "tok-1",
          null,
          "alice",
          "mail-app",
          AT,
          AT.plus(Duration.ofMinutes(5)),
          4);

  static Detection alert(Rule rule, String subject, String client, String token, Instant at) {
    return new Detection("id-" + rule + token + at, rule, subject, client, token, null, at, at);
  }

  @Test
  void shouldMatchAnAlertOfAnExpectedOrAllowedRuleNamingTheAttacksIdentitiesInItsWindow() {
    assertThat(STOLEN.matches(alert(Rule.UNFAMILIAR_CLIENT, "alice", "mail-app", "tok-1", AT)))
        .isTrue();
    assertThat(
            STOLEN.matches(
                alert(Rule.TOKEN_SPREAD, "alice", "mail-app", "tok-1", AT.plusSeconds(200))))
        .as("a rule the attack allows")
        .isTrue();
    assertThat(
            STOLEN.matches(
                new Detection(
                    "x", Rule.UNFAMILIAR_CLIENT, null, "mail-app", "tok-1", null, AT, AT)))
        .as("an alert that does not know the subject still names the token")
        .isTrue();
    assertThat(
            STOLEN.matches(
                alert(
                    Rule.UNFAMILIAR_CLIENT,
                    "alice",
                    "mail-app",
                    "tok-1",
                    AT.plus(Duration.ofMinutes(5)).plus(LabelledAttack.SLACK))))
        .as("at the end of the slack")
        .isTrue();
  }

  @Test
  void shouldNotMatchAnotherRuleAnotherIdentityOrAnotherTime() {
    assertThat(STOLEN.matches(alert(Rule.USAGE_SPIKE, "alice", "mail-app", "tok-1", AT)))
        .as("a rule the attack neither expects nor allows")
        .isFalse();
    assertThat(STOLEN.matches(alert(Rule.UNFAMILIAR_CLIENT, "alice", "mail-app", "tok-2", AT)))
        .as("another token of the same person")
        .isFalse();
    assertThat(
            STOLEN.matches(
                alert(
                    Rule.UNFAMILIAR_CLIENT,
                    "alice",
                    "mail-app",
                    "tok-1",
                    AT.minus(LabelledAttack.SLACK).minusMillis(1))))
        .as("before the window and its slack")
        .isFalse();
    assertThat(
            STOLEN.matches(
                new Detection("x", Rule.UNFAMILIAR_CLIENT, null, null, null, "grant-9", AT, AT)))
        .as("an alert sharing no identity with the label")
        .isFalse();
  }

  @Test
  void shouldScoreFalseAlertsPerRuleAndTheAttacksCaught() {
    Labelled workload =
        new Labelled(
            List.of(),
            List.of(STOLEN),
            new Labelled.Description(1_000_004, 1_000_000, 1, 1, 7, AT, AT, java.util.Map.of()));
    Score score =
        workload.score(
            List.of(
                alert(Rule.UNFAMILIAR_CLIENT, "alice", "mail-app", "tok-1", AT),
                alert(Rule.TOKEN_SPREAD, "bob", "svc-a", "tok-7", AT),
                alert(Rule.TOKEN_SPREAD, "bob", "svc-a", "tok-8", AT)));
    assertThat(score.of(Rule.UNFAMILIAR_CLIENT)).isEqualTo(new Score.RuleScore(1, 0, 1, 1));
    assertThat(score.of(Rule.TOKEN_SPREAD)).isEqualTo(new Score.RuleScore(2, 2, 0, 0));
    assertThat(score.falsePerMillion(score.of(Rule.TOKEN_SPREAD).falseAlerts())).isEqualTo(2.0);
    assertThat(score.missed()).isEmpty();
    assertThat(workload.score(List.of()).missed()).containsExactly(STOLEN);
  }

  @Test
  void shouldRefuseALabelThatNamesNothing() {
    assertThatThrownBy(
            () ->
                new LabelledAttack(
                    "x",
                    "nothing",
                    Set.of(Rule.USAGE_SPIKE),
                    Set.of(),
                    null,
                    null,
                    null,
                    null,
                    AT,
                    AT,
                    1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name what its alerts fire on");
  }
}
