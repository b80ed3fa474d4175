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

  private static final DeprecatedKeys RENAMED =
      DeprecatedKeys.builder().renamed("a.old.port", "a.port").build();

  private static final Map<String, String> REGISTRY =
      Map.of("schema.registry.url", "http://registry:8081");

  private static Map<String, Object> withRegistry(Map<String, Object> settings) {
    Map<String, Object> all = new java.util.HashMap<>(REGISTRY);
    all.putAll(settings);
    return all;
  }

  @Test
  void shouldReadAnOldKeyAsItsNewOneAndSayWhichToUse() {
    ConfigCheck check =
        ConfigCheck.of(DEFINITION, RENAMED, withRegistry(Map.of("a.old.port", "81")));

    assertThat(check.validated("thing").intValue("a.port")).isEqualTo(81);
    assertThat(check.deprecations()).containsExactly("a.old.port is deprecated; use a.port");
    assertThat(check.originals()).containsEntry("a.port", "81").doesNotContainKey("a.old.port");
  }

  @Test
  void shouldAcceptTheOldAndTheNewKeyGivenTheSameValue() {
    ConfigCheck check =
        ConfigCheck.of(
            DEFINITION, RENAMED, withRegistry(Map.of("a.old.port", "81", "a.port", "81")));

    assertThat(check.validated("thing").intValue("a.port")).isEqualTo(81);
    assertThat(check.deprecations()).hasSize(1);
  }

  @Test
  void shouldRefuseTheOldAndTheNewKeyGivenDifferentValuesWithoutPrintingThem() {
    ConfigDef secrets =
        new ConfigDef()
            .define("a.secret", ConfigDef.Type.PASSWORD, null, Importance.HIGH, "a secret");
    DeprecatedKeys renamed = DeprecatedKeys.builder().renamed("a.old.secret", "a.secret").build();
    ConfigCheck check =
        ConfigCheck.of(
            secrets,
            renamed,
            withRegistry(Map.of("a.old.secret", "old-hunter2", "a.secret", "new-hunter2")));
    check.problem("and one more");

    assertThatThrownBy(() -> check.validated("thing"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("2 problem(s)")
        .hasMessageContaining("a.old.secret (deprecated) and a.secret are both set")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void shouldRefuseARenameToAnUndeclaredKey() {
    DeprecatedKeys wrong = DeprecatedKeys.builder().renamed("a.old", "a.nowhere").build();

    assertThatThrownBy(() -> ConfigCheck.of(DEFINITION, wrong, REGISTRY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a.nowhere");
  }

  @Test
  void shouldRefuseUnknownKeysUnderThePrefixOnlyWhenAsked() {
    ConfigCheck check =
        ConfigCheck.of(DEFINITION, RENAMED, withRegistry(Map.of("a.prot", "1", "b.other", "2")));
    assertThat(check.ok()).isTrue();

    check.rejectUnknown("a.");
    assertThatThrownBy(() -> check.throwIfInvalid("thing"))
        .hasMessageContaining("Unknown key a.prot")
        .hasMessageNotContaining("b.other");
  }

  @Test
  void shouldGiveTypedValuesAndRefuseTheWrongType() {
    ConfigValues values = ConfigCheck.of(DEFINITION, withRegistry(Map.of())).validated("thing");

    assertThat(values.intValue("a.port")).isEqualTo(80);
    assertThat(values.password("a.secret")).isEmpty();
    assertThatThrownBy(() -> values.string("a.port"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a.port");
    assertThatThrownBy(() -> values.intValue("a.undeclared"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not declared");
  }
}
