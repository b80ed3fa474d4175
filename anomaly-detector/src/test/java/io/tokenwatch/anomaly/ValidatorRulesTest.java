package io.tokenwatch.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ValidatorRulesTest {

  private static final Instant T0 = Instant.parse("2030-01-01T10:00:00Z");

  private final ValidatorRules rules =
      new ValidatorRules(
          new ValidatorThresholds(
              Duration.ZERO, Duration.ofSeconds(30), Duration.ofDays(1), Duration.ofSeconds(1)),
          new TestSettings().build());

  private static ValidatorReport report(Instant at, Duration interval, boolean fresh) {
    return new ValidatorReport(
        "e-" + at.toEpochMilli(),
        "v-1",
        null,
        at,
        T0.minusSeconds(3600),
        1,
        interval,
        true,
        fresh ? 100L : 60_000L);
  }

  @Test
  void shouldCountSilenceFromThreeIntervalsButAtLeastFifteenSeconds() {
    ValidatorThresholds derived = rules.thresholds();
    assertThat(derived.silentAfter(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(15));
    assertThat(derived.silentAfter(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(15));
    assertThat(derived.silentAfter(Duration.ofSeconds(20))).isEqualTo(Duration.ofSeconds(60));
    ValidatorThresholds fixed =
        new ValidatorThresholds(
            Duration.ofSeconds(7),
            Duration.ofSeconds(30),
            Duration.ofDays(1),
            Duration.ofSeconds(1));
    assertThat(fixed.silentAfter(Duration.ofSeconds(20))).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void shouldRefuseAForgetPeriodNotLongerThanTheSilenceThreshold() {
    assertThatThrownBy(
            () ->
                new ValidatorThresholds(
                    Duration.ofMinutes(5),
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(5),
                    Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("forgetAfter");
  }

  @Test
  void shouldCountSilenceFromTheDetectorsStartWhenItHeardTheValidatorBeforeIt() {
    ValidatorWatch watch = new ValidatorWatch();
    rules.onReport(watch, report(T0, Duration.ofSeconds(5), true), T0);
    Instant restarted = T0.plus(Duration.ofHours(1));

    assertThat(rules.onCheck(watch, restarted.plusSeconds(14), restarted)).isEmpty();
    assertThat(rules.onCheck(watch, restarted.plusSeconds(15), restarted)).isPresent();
  }

  record Step(boolean report, boolean fresh, int seconds) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return net.jqwik.api.Combinators.combine(
            Arbitraries.of(true, false),
            Arbitraries.of(true, true, false),
            Arbitraries.integers().between(1, 12))
        .as(Step::new)
        .list()
        .ofMaxSize(200);
  }

  /**
   * Against a plain model of episodes: with a check every second, a VALIDATOR_SILENT alert is
   * raised exactly when 15 s have passed since the last report and none was raised since it, and a
   * VALIDATOR_STALE alert exactly on a stale report following a fresh one (or none); alert ids
   * never repeat.
   */
  @Property(tries = 300)
  void shouldRaiseOneAlertPerEpisodeAsAPlainModelSays(@ForAll("steps") List<Step> steps) {
    ValidatorWatch watch = new ValidatorWatch();
    Instant now = T0;
    rules.onReport(watch, report(now, Duration.ofSeconds(5), true), now);
    Instant lastReport = now;
    boolean modelSilentAlerted = false;
    boolean modelStale = false;
    List<String> ids = new ArrayList<>();
    for (Step step : steps) {
      for (int s = 0; s < step.seconds(); s++) {
        now = now.plusSeconds(1);
        Optional<Alert> silent = rules.onCheck(watch, now, T0);
        boolean expected =
            !modelSilentAlerted && Duration.between(lastReport, now).toSeconds() >= 15;
        assertThat(silent.isPresent()).as("silent alert at %s", now).isEqualTo(expected);
        if (expected) {
          modelSilentAlerted = true;
          ids.add(silent.get().alertId());
          assertThat(silent.get().rule()).isEqualTo(Rule.VALIDATOR_SILENT);
        }
      }
      if (step.report()) {
        Optional<Alert> stale =
            rules.onReport(watch, report(now, Duration.ofSeconds(5), step.fresh()), now);
        boolean expected = !step.fresh() && !modelStale;
        assertThat(stale.isPresent()).as("stale alert at %s", now).isEqualTo(expected);
        stale.ifPresent(a -> ids.add(a.alertId()));
        modelStale = !step.fresh();
        lastReport = now;
        modelSilentAlerted = false;
      }
    }
    assertThat(ids).doesNotHaveDuplicates();
  }
}
