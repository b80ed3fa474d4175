package io.tokenwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.issuer.server.IssuerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.types.Password;
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
  void shouldReadTheRegistryCredentialFromTheEnvironment() {
    Map<String, Object> resolved =
        new SettingsOptions()
            .resolve(
                new org.apache.kafka.common.config.ConfigDef(),
                Map.of(
                    "TOKENWATCH_BASIC_AUTH_CREDENTIALS_SOURCE", "USER_INFO",
                    "TOKENWATCH_BASIC_AUTH_USER_INFO", "tokenwatch:secret",
                    "TOKENWATCH_SCHEMA_REGISTRY_SSL_TRUSTSTORE_TYPE", "PKCS12"),
                Map.of());

    assertThat(resolved)
        .containsOnly(
            Map.entry("basic.auth.credentials.source", "USER_INFO"),
            Map.entry("basic.auth.user.info", "tokenwatch:secret"),
            Map.entry("schema.registry.ssl.truststore.type", "PKCS12"));
  }

  @Test
  void shouldHandTheCredentialFileToTheServiceUnderTheSerdesKeys() throws Exception {
    Path file = dir.resolve("schema-registry.credential");
    Files.writeString(file, "tokenwatch:s3cret\n", StandardCharsets.UTF_8);
    CommandLine cli = Tokenwatch.commandLine();

    cli.parseArgs("issuer", "--schema-registry-credential", file.toString());
    IssuerCommand issuer = cli.getSubcommands().get("issuer").getCommand();

    Map<String, Object> settings = issuer.registryCredential.settings();
    assertThat(settings).containsEntry("basic.auth.credentials.source", "USER_INFO");
    assertThat(settings.get("basic.auth.user.info"))
        .isInstanceOfSatisfying(
            Password.class, p -> assertThat(p.value()).isEqualTo("tokenwatch:s3cret"));
    assertThat(settings.toString()).doesNotContain("s3cret");
  }

  @Test
  void shouldRefuseACredentialFileWithoutAPasswordWithoutShowingItsContent() throws Exception {
    Path file = dir.resolve("broken.credential");
    Files.writeString(file, "justOneWordS3cret\n", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> RegistryCredentialOption.settings(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("S3cret"));
    assertThatThrownBy(() -> RegistryCredentialOption.settings(dir.resolve("missing")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void shouldNameTheEnvironmentVariableOfAKey() {
    assertThat(SettingsOptions.environmentVariable("validator.jwks.url"))
        .isEqualTo("TOKENWATCH_VALIDATOR_JWKS_URL");
    assertThat(SettingsOptions.environmentVariable("validator.revocation.max-staleness"))
        .isEqualTo("TOKENWATCH_VALIDATOR_REVOCATION_MAX_STALENESS");
  }

  @Test
  void shouldLetALaterSourceOverrideAnEarlierOneThatUsedTheOldName() throws Exception {
    Path config = dir.resolve("old-names.properties");
    Files.writeString(
        config,
        "issuer.data.dir=/from/file\nissuer.instance.id=file-id\nissuer.produce.timeout.ms=700\n",
        StandardCharsets.UTF_8);
    SettingsOptions options = new SettingsOptions();
    options.configFile = config;
    options.overrides.put("issuer.instance-id", "flag-id");

    Map<String, Object> resolved =
        options.resolve(
            IssuerConfig.configDef(),
            IssuerConfig.deprecatedKeys(),
            Map.of("TOKENWATCH_ISSUER_DATA_DIR", "/from/env"),
            Map.of());

    assertThat(resolved)
        .containsEntry("issuer.data-dir", "/from/env")
        .containsEntry("issuer.instance-id", "flag-id")
        .containsEntry("issuer.produce.timeout.ms", "700")
        .doesNotContainKeys("issuer.data.dir", "issuer.instance.id");
  }

  @Test
  void shouldListAConflictBetweenAnOldAndANewNameInOneSourceWithTheOtherProblems()
      throws Exception {
    Path config = dir.resolve("conflict.properties");
    Files.writeString(
        config,
        "audit.batch.max-wait.ms=100\naudit.batch.max-wait-ms=200\naudit.http.port=-1\n",
        StandardCharsets.UTF_8);
    CommandLine cli = Tokenwatch.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));

    int code = cli.execute("audit-sink", "--config", config.toString());

    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "audit.batch.max-wait.ms (deprecated) and audit.batch.max-wait-ms are both set",
            "audit.http.port")
        .doesNotContain("\tat ");
  }
}
