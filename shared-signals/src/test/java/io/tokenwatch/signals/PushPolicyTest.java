package io.tokenwatch.signals;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PushPolicyTest {

  private final PushPolicy policy =
      new PushPolicy(
          Duration.ofSeconds(10),
          Duration.ofMillis(100),
          Duration.ofSeconds(60),
          Duration.ofHours(24));

  @Property
  void shouldKeepEveryBackoffWithinHalfAndAllOfTheCappedExponential(
      @ForAll @IntRange(min = 1, max = 200) int failures,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double random) {
    double capped = Math.min(60_000, 100 * Math.pow(2, failures - 1));

    long wait = policy.backoff(failures, random).toMillis();

    assertThat(wait).isBetween((long) Math.floor(capped / 2), (long) capped);
  }

  @Test
  void shouldDoubleTheWaitAfterEachFailureUntilTheCap() {
    assertThat(policy.backoff(1, 0.999).toMillis()).isEqualTo(99);
    assertThat(policy.backoff(2, 0).toMillis()).isEqualTo(100);
    assertThat(policy.backoff(3, 0).toMillis()).isEqualTo(200);
    assertThat(policy.backoff(40, 0).toMillis()).isEqualTo(30_000);
  }
}
