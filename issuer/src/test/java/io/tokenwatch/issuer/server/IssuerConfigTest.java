package io.tokenwatch.issuer.server;

import static io.tokenwatch.schemas.config.RenamedKeys.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.config.RenamedKeys;
import io.tokenwatch.schemas.registry.RegistrySettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class IssuerConfigTest {

  @Test
  void shouldReportEveryProblemAtOnce() {
    assertThatThrownBy(
            () ->
                IssuerConfig.of(
                    Map.of(IssuerConfig.PORT, "99999", IssuerConfig.SIGNING_ALGORITHM, "HS256")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(IssuerConfig.PORT)
        .hasMessageContaining(IssuerConfig.SIGNING_ALGORITHM)
        .hasMessageContaining(IssuerConfig.ISSUER_URL)
        .hasMessageContaining(IssuerConfig.POLICY_FILE);
  }

  @Test
  void shouldApplyDefaults() {
    IssuerConfig config =
        IssuerConfig.of(
            Map.of(
                IssuerConfig.ISSUER_URL, "https://issuer.example.com/",
                IssuerConfig.POLICY_FILE, "policy.yaml",
                IssuerConfig.BOOTSTRAP_SERVERS, "localhost:9092",
                IssuerConfig.SCHEMA_REGISTRY_URL, "http://localhost:8081"));

    assertThat(config.issuerUrl()).isEqualTo("https://issuer.example.com");
    assertThat(config.mtlsHeader()).isEmpty();
    assertThat(config.produceTimeout().toMillis()).isEqualTo(5_000);
  }

  @Test
  void shouldPassKafkaPrefixedKeysToTheKafkaClientsWithoutThePrefix() {
    IssuerConfig config =
        IssuerConfig.of(
            Map.of(
                IssuerConfig.ISSUER_URL,
                "https://issuer.example.com/",
                IssuerConfig.POLICY_FILE,
                "policy.yaml",
                IssuerConfig.BOOTSTRAP_SERVERS,
                "broker:9092",
                IssuerConfig.SCHEMA_REGISTRY_URL,
                "http://localhost:8081",
                "kafka.security.protocol",
                "SASL_SSL",
                "kafka.sasl.mechanism",
                "SCRAM-SHA-512",
                "kafka.bootstrap.servers",
                "elsewhere:9092",
                "security.protocol",
                "PLAINTEXT"));

    assertThat(config.kafkaClientSettings())
        .containsOnly(
            Map.entry("security.protocol", "SASL_SSL"),
            Map.entry("sasl.mechanism", "SCRAM-SHA-512"),
            Map.entry("bootstrap.servers", "broker:9092"));
  }

  @Test
  void shouldHandTheRegistryCredentialToTheRegistryClient() {
    IssuerConfig config =
        IssuerConfig.of(
            Map.of(
                IssuerConfig.ISSUER_URL,
                "https://issuer.example.com/",
                IssuerConfig.POLICY_FILE,
                "policy.yaml",
                IssuerConfig.BOOTSTRAP_SERVERS,
                "broker:9092",
                IssuerConfig.SCHEMA_REGISTRY_URL,
                "http://localhost:8081",
                "basic.auth.credentials.source",
                "USER_INFO",
                "basic.auth.user.info",
                "tokenwatch:registry-secret"));

    RegistrySettings registry = config.serdeConfig().registrySettings();

    assertThat(registry.credentialsSource())
        .isEqualTo(RegistrySettings.CredentialsSource.USER_INFO);
    assertThat(registry.userInfo().value()).isEqualTo("tokenwatch:registry-secret");
    assertThat(config.toString()).doesNotContain("registry-secret");
  }

  @Test
  void shouldRefuseAnIncompleteRegistryCredentialWithoutShowingIt() {
    assertThatThrownBy(
            () ->
                IssuerConfig.of(
                    Map.of(
                        IssuerConfig.ISSUER_URL,
                        "https://issuer.example.com/",
                        IssuerConfig.POLICY_FILE,
                        "policy.yaml",
                        IssuerConfig.BOOTSTRAP_SERVERS,
                        "broker:9092",
                        IssuerConfig.SCHEMA_REGISTRY_URL,
                        "http://localhost:8081",
                        "basic.auth.credentials.source",
                        "USER_INFO",
                        "basic.auth.user.info",
                        "no-colon-secret")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("basic.auth.user.info")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("no-colon-secret"));
  }

  @Test
  void shouldDocumentEveryKeyInTheReadme() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);

    assertThat(readme)
        .as("issuer/README.md must contain IssuerConfig.markdownTable() verbatim")
        .contains(IssuerConfig.markdownTable());
  }

  private static Map<String, Object> minimal() {
    Map<String, Object> config = new HashMap<>();
    config.put(IssuerConfig.ISSUER_URL, "https://issuer.example.com");
    config.put(IssuerConfig.POLICY_FILE, "policy.yaml");
    config.put(IssuerConfig.BOOTSTRAP_SERVERS, "localhost:9092");
    config.put(IssuerConfig.SCHEMA_REGISTRY_URL, "http://localhost:8081");
    return config;
  }

  private static final RenamedKeys<IssuerConfig> RENAMED =
      new RenamedKeys<>(
          IssuerConfig.deprecatedKeys(),
          minimal(),
          IssuerConfig::of,
          IssuerConfig::deprecations,
          Map.of(
              IssuerConfig.MAX_BODY_BYTES,
              sample("2048", IssuerConfig::maxBodyBytes),
              IssuerConfig.POLICY_RELOAD_MS,
              sample("500", c -> c.policyReloadInterval().toMillis()),
              IssuerConfig.DATA_DIR,
              sample("elsewhere", c -> c.dataDir().toString()),
              IssuerConfig.TTL_CEILING_SECONDS,
              sample("600", c -> c.ttlCeiling().toSeconds()),
              IssuerConfig.PRODUCE_TIMEOUT_MS,
              sample("700", c -> c.produceTimeout().toMillis()),
              IssuerConfig.MTLS_HEADER,
              sample("X-Cert", c -> c.mtlsHeader().orElseThrow()),
              IssuerConfig.DPOP_WINDOW_SECONDS,
              sample("30", c -> c.dpopWindow().toSeconds()),
              IssuerConfig.INSTANCE_ID,
              sample("issuer-7", c -> c.instanceId().orElseThrow()),
              IssuerConfig.REVOCATION_MAX_STALENESS_MS,
              sample("9000", c -> c.revocationMaxStaleness().toMillis())));

  @Test
  void shouldReadEveryKeyByItsNewNameAndByItsOldNameWithAWarningNamingTheNewOne() {
    RENAMED.assertEveryOldNameStillWorksAndWarns();
  }

  @Test
  void shouldRefuseAnOldAndANewNameGivenDifferentValuesAlongsideEveryOtherProblem() {
    RENAMED.assertOldAndNewWithDifferentValuesIsAProblem(IssuerConfig.PORT, "-1");
  }
}
