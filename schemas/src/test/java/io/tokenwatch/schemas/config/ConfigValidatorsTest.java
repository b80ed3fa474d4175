package io.tokenwatch.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

class ConfigValidatorsTest {

  @Property
  void shouldReadBackEveryDurationItFormats(@ForAll @LongRange(min = 0, max = 1L << 40) long ms) {
    Duration duration = Duration.ofMillis(ms);

    assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
  }

  @Test
  void shouldParseEveryDocumentedDurationForm() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse(" 30s ")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("1H")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("PT1M")).isEqualTo(Duration.ofMinutes(1));
    for (String wrong : List.of("", "s", "soon", "5d", "PT")) {
      assertThatThrownBy(() -> Durations.parse(wrong))
          .as(wrong)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void shouldRefuseDurationsBelowTheMinimumAndSayTheMinimum() {
    ConfigDef.Validator atLeastOneSecond = ConfigValidators.duration(Duration.ofSeconds(1));

    assertThatCode(() -> atLeastOneSecond.ensureValid("k", "1s")).doesNotThrowAnyException();
    assertThatThrownBy(() -> atLeastOneSecond.ensureValid("k", "999ms"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("at least 1s");
    assertThatThrownBy(() -> atLeastOneSecond.ensureValid("k", "later"))
        .hasMessageContaining("not a duration");
    assertThat(atLeastOneSecond).hasToString("duration >= 1s");
  }

  @Test
  void shouldAcceptOnlyHttpUrlsWithAHost() {
    ConfigDef.Validator url = ConfigValidators.httpUrl();
    assertThatCode(() -> url.ensureValid("k", "https://issuer.example/x?y=1"))
        .doesNotThrowAnyException();
    for (String wrong : List.of("ftp://issuer.example", "http:/nohost", "issuer.example", "")) {
      assertThatThrownBy(() -> url.ensureValid("k", wrong))
          .as(wrong)
          .isInstanceOf(ConfigException.class);
    }
    assertThatThrownBy(
            () -> ConfigValidators.httpUrlWithoutQuery().ensureValid("k", "https://i.example?q"))
        .hasMessageContaining("without query");
    assertThatCode(() -> ConfigValidators.emptyOr(url).ensureValid("k", ""))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> ConfigValidators.emptyOr(url).ensureValid("k", "nope"))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void shouldRefuseBlankStringsAndMalformedSecretsWithoutPrintingThem() {
    assertThatThrownBy(() -> ConfigValidators.nonBlank().ensureValid("k", "  "))
        .hasMessageContaining("must not be blank");
    assertThatThrownBy(
            () ->
                ConfigValidators.sha256HexSecret()
                    .ensureValid("k", new Password("not-a-hash-hunter2")))
        .hasMessageContaining("64 hex digits")
        .hasMessageNotContaining("hunter2");
    assertThatCode(
            () -> ConfigValidators.sha256HexSecret().ensureValid("k", new Password("a".repeat(64))))
        .doesNotThrowAnyException();
  }

  @Test
  void shouldTurnAParsersRefusalIntoTheProblem() {
    ConfigDef.Validator evenOnly =
        ConfigValidators.parsedBy(
            "even numbers",
            item -> {
              if (Integer.parseInt(item) % 2 != 0) {
                throw new IllegalArgumentException(item + " is odd");
              }
            });

    assertThatCode(() -> evenOnly.ensureValid("k", List.of("2", "4"))).doesNotThrowAnyException();
    assertThatThrownBy(() -> evenOnly.ensureValid("k", List.of("2", "3")))
        .hasMessageContaining("3 is odd");
    assertThat(evenOnly).hasToString("even numbers");
  }
}
