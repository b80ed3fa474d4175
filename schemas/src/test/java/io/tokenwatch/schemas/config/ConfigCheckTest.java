package io.tokenwatch.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

class ConfigCheckTest {

  private static final ConfigDef DEFINITION =
      new ConfigDef()
          .define(
              "a.port", ConfigDef.Type.INT, 80, Range.between(0, 65535), Importance.HIGH, "a port")
          .define("a.secret", ConfigDef.Type.PASSWORD, null, Importance.HIGH, "a secret");

  @Test
  void shouldCollectEveryProblemIncludingTheServicesOwnAndNameThemAll() {
    ConfigCheck check =
        ConfigCheck.of(DEFINITION, Map.of("a.port", "70000", "a.secret", "hunter2-secret"));
    check.problem("a.secret is too guessable (value hidden)");

    assertThat(check.ok()).isFalse();
    assertThatThrownBy(() -> check.throwIfInvalid("thing"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Invalid thing configuration, 3 problem(s)")
        .hasMessageContaining("a.port")
        .hasMessageContaining("schema.registry.url")
        .hasMessageContaining("too guessable")
        .hasMessageNotContaining("hunter2-secret");
  }

  @Test
  void shouldKeepDeclaredAndOtherSettingsApartAndRevealPasswordsForParsingOnly() {
    ConfigCheck check =
        ConfigCheck.of(
            DEFINITION,
            Map.of(
                "a.port",
                8080,
                "a.secret",
                new Password("s3cret"),
                "schema.registry.url",
                "http://registry:8081",
                "security.protocol",
                "SASL_SSL"));

    check.throwIfInvalid("thing");
    assertThat(check.declared()).containsOnlyKeys("a.port", "a.secret");
    assertThat(check.declared()).containsEntry("a.secret", "s3cret");
    assertThat(check.originals()).containsEntry("security.protocol", "SASL_SSL");
    assertThat(check.serde()).isNotNull();
  }
}
