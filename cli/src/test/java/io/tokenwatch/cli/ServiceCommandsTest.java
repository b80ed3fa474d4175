package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Service commands refuse bad settings before touching the network, listing every problem. */
class ServiceCommandsTest {

  @TempDir Path dir;

  @Test
  void shouldListEveryInvalidValidatorSettingAndExitWith2() throws Exception {
    Path config = dir.resolve("validator.properties");
    Files.writeString(
        config, "validator.clock-skew=soon\nvalidator.http.port=-3\n", StandardCharsets.UTF_8);
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));

    int code = cli.execute("validator", "--config", config.toString(), "--set", "validator.nope=1");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("validator.clock-skew", "validator.http.port", "validator.nope")
        .doesNotContain("\tat ");
  }

  @Test
  void shouldRefuseToRotateKeysWithoutASecretSource() {
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));

    int code = cli.execute("rotate-keys", "--client-id", "security-console");

    if (System.getenv("TOKENWATCH_ADMIN_SECRET") == null) {
      assertThat(code).isEqualTo(2);
      assertThat(err.toString()).contains("TOKENWATCH_ADMIN_SECRET", "--secret-file");
    }
  }

  @Test
  void shouldTakeFlagsOverEnvironmentOverFile() throws Exception {
    Path config = dir.resolve("layered.properties");
    Files.writeString(config, "a.b=file\nc.d=file\ne.f=file\n", StandardCharsets.UTF_8);
    SettingsOptions options = new SettingsOptions();
    options.configFile = config;
    options.overrides.put("e.f", "flag");
    var definition =
        new org.apache.kafka.common.config.ConfigDef()
            .define("c.d", org.apache.kafka.common.config.ConfigDef.Type.STRING, "", null, "")
            .define("e.f", org.apache.kafka.common.config.ConfigDef.Type.STRING, "", null, "");

    Map<String, Object> resolved =
        options.resolve(
            definition,
            Map.of("TOKENWATCH_C_D", "env", "TOKENWATCH_E_F", "env"),
            Map.of("g.h", "fallback"));

    assertThat(resolved)
        .containsEntry("a.b", "file")
        .containsEntry("c.d", "env")
        .containsEntry("e.f", "flag")
        .containsEntry("g.h", "fallback");
  }

  @Test
  void shouldReadKafkaClientSettingsFromTheEnvironmentButNoOtherVariables() {
    Map<String, Object> resolved =
        new SettingsOptions()
            .resolve(
                new org.apache.kafka.common.config.ConfigDef(),
                Map.of(
                    "TOKENWATCH_SECURITY_PROTOCOL", "SASL_SSL",
                    "TOKENWATCH_SASL_JAAS_CONFIG", "login",
                    "TOKENWATCH_PROCESSING_GUARANTEE", "exactly_once_v2",
                    "TOKENWATCH_NOT_A_SETTING", "ignored"),
                Map.of());

    assertThat(resolved)
        .containsOnly(
            Map.entry("security.protocol", "SASL_SSL"),
            Map.entry("sasl.jaas.config", "login"),
            Map.entry("processing.guarantee", "exactly_once_v2"));
  }

  @Test
  void shouldHandPlainKafkaClientSettingsToEachServiceUnderItsOwnPrefix() {
    Map<String, Object> plain =
        Map.of(
            "security.protocol", "SASL_SSL",
            "bootstrap.servers", "kafka:9092",
            "issuer.url", "https://issuer.example");

    assertThat(new IssuerCommand().withKafkaClientPrefix(plain))
        .containsEntry("kafka.security.protocol", "SASL_SSL")
        .containsEntry("bootstrap.servers", "kafka:9092")
        .containsEntry("issuer.url", "https://issuer.example")
        .doesNotContainKey("security.protocol");
    assertThat(new RevocationStreamCommand().withKafkaClientPrefix(plain))
        .containsEntry("streams.security.protocol", "SASL_SSL")
        .containsEntry("bootstrap.servers", "kafka:9092");
    assertThat(new ValidatorCommand().withKafkaClientPrefix(plain)).isEqualTo(plain);
  }

  @Test
  void shouldNameTheEnvironmentVariableOfAKey() {
    assertThat(SettingsOptions.environmentVariable("validator.jwks.url"))
        .isEqualTo("TOKENWATCH_VALIDATOR_JWKS_URL");
    assertThat(SettingsOptions.environmentVariable("validator.revocation.max-staleness"))
        .isEqualTo("TOKENWATCH_VALIDATOR_REVOCATION_MAX_STALENESS");
  }
}
