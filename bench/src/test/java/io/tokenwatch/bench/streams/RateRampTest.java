package io.tokenwatch.bench.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RateRampTest {

  @Test
  void slopeOfAGrowingLagIsItsGrowthPerSecond() {
    List<double[]> samples = new ArrayList<>();
    for (int t = 0; t <= 16; t += 2) {
      samples.add(new double[] {t, 5_000 + 3_000.0 * t});
    }
    assertThat(RateRamp.slope(samples)).isCloseTo(3_000, within(1e-6));
  }

  @Test
  void lagOscillatingWithCommitsHasNoSlopeToSpeakOf() {
    SplittableRandom random = new SplittableRandom(19);
    List<double[]> samples = new ArrayList<>();
    for (int t = 0; t <= 16; t += 2) {
      samples.add(new double[] {t, 2_000 + random.nextInt(20_000)});
    }
    // Noise of 20,000 records over 16 s: a slope far below 2% of 100,000/s, whatever the draw.
    assertThat(Math.abs(RateRamp.slope(samples))).isLessThan(2_000);
  }

  @Test
  void aStepIsKeptOnlyWhenOfferedSentAndProcessedAgreeAndLagIsFlat() {
    assertThat(RateRamp.kept(100_000, 99_990, 99_500, 300)).isTrue();
    assertThat(RateRamp.kept(100_000, 90_000, 90_000, 0)).as("producer fell short").isFalse();
    assertThat(RateRamp.kept(100_000, 100_000, 95_000, 0)).as("app committed less").isFalse();
    assertThat(RateRamp.kept(100_000, 100_000, 99_000, 5_000)).as("lag grows").isFalse();
  }
}
