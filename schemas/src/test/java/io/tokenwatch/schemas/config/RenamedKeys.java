package io.tokenwatch.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigException;

/**
 * What every service's configuration promises about its renamed keys, checked the same way for
 * each: the new name and the old one both set the value, only the old one warns, and both given
 * with different values is refused with the service's other problems.
 *
 * @param <C> the service's configuration
 * @param minimal a valid configuration to add the key under test to
 * @param of the service's {@code of(Map)}
 * @param deprecations the configuration's deprecation warnings
 * @param samples for every renamed key, by its new name: a value other than its default, and how
 *     the configuration shows it (as a string)
 */
public record RenamedKeys<C>(
    DeprecatedKeys renamed,
    Map<String, Object> minimal,
    Function<Map<String, Object>, C> of,
    Function<C, List<String>> deprecations,
    Map<String, Sample<C>> samples) {

  /** A value for a key and how the configuration shows it. */
  public record Sample<C>(String value, Function<C, Object> read) {}

  /** A sample: set {@code value}, expect {@code read} to show it. */
  public static <C> Sample<C> sample(String value, Function<C, Object> read) {
    return new Sample<>(value, read);
  }

  /** Every renamed key is read by both names; the old one warns naming the new one. */
  public void assertEveryOldNameStillWorksAndWarns() {
    assertThat(samples.keySet())
        .as("a sample for every renamed key")
        .containsExactlyInAnyOrderElementsOf(renamed.replacements().values());
    renamed
        .replacements()
        .forEach(
            (old, replacement) -> {
              Sample<C> sample = samples.get(replacement);
              C fresh = of.apply(with(replacement, sample.value()));
              C legacy = of.apply(with(old, sample.value()));

              assertThat(String.valueOf(sample.read().apply(fresh)))
                  .as(replacement)
                  .isEqualTo(sample.value());
              assertThat(deprecations.apply(fresh)).as(replacement).isEmpty();
              assertThat(String.valueOf(sample.read().apply(legacy)))
                  .as(old)
                  .isEqualTo(sample.value());
              assertThat(deprecations.apply(legacy))
                  .containsExactly(old + " is deprecated; use " + replacement);
            });
  }

  /**
   * Each renamed key given by both names with different values is a problem, listed with {@code
   * otherProblem}'s (a setting that is wrong on its own).
   */
  public void assertOldAndNewWithDifferentValuesIsAProblem(String badKey, String badValue) {
    renamed
        .replacements()
        .forEach(
            (old, replacement) -> {
              Map<String, Object> settings = with(replacement, samples.get(replacement).value());
              settings.put(old, "other-" + samples.get(replacement).value());
              settings.put(badKey, badValue);

              assertThatThrownBy(() -> of.apply(settings))
                  .as(old)
                  .isInstanceOf(ConfigException.class)
                  .hasMessageContaining("2 problem(s)")
                  .hasMessageContaining(
                      old + " (deprecated) and " + replacement + " are both set, to different")
                  .hasMessageContaining(badKey);
            });
  }

  private Map<String, Object> with(String key, String value) {
    Map<String, Object> settings = new HashMap<>(minimal);
    settings.put(key, value);
    return settings;
  }
}
