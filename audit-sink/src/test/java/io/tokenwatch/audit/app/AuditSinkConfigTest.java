package io.tokenwatch.audit.app;

import static io.tokenwatch.schemas.config.RenamedKeys.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.config.RenamedKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AuditSinkConfigTest {

  private static final Map<String, Object> MINIMAL =
      Map.of("bootstrap.servers", "broker:9092", "schema.registry.url", "http://registry:8081");

  private static final RenamedKeys<AuditSinkConfig> RENAMED =
      new RenamedKeys<>(
          AuditSinkConfig.deprecatedKeys(),
          MINIMAL,
          AuditSinkConfig::of,
          AuditSinkConfig::deprecations,
          Map.of(
              AuditSinkConfig.BATCH_MAX_WAIT_MS,
              sample("150", c -> c.batchMaxWait().toMillis()),
              AuditSinkConfig.CHECKPOINT_INTERVAL_MS,
              sample("5000", c -> c.checkpointInterval().toMillis()),
              AuditSinkConfig.API_MAX_STALENESS_MS,
              sample("1000", c -> c.apiMaxStaleness().toMillis())));

  @Test
  void shouldReadEveryKeyByItsNewNameAndByItsOldNameWithAWarningNamingTheNewOne() {
    RENAMED.assertEveryOldNameStillWorksAndWarns();
  }

  @Test
  void shouldRefuseAnOldAndANewNameGivenDifferentValuesAlongsideEveryOtherProblem() {
    RENAMED.assertOldAndNewWithDifferentValuesIsAProblem(AuditSinkConfig.HTTP_PORT, "-1");
  }

  @Test
  void shouldKeepTheStoreInDuckDbUnlessAPostgresUrlIsGivenAndNeverEchoTheUrl() {
    assertThat(AuditSinkConfig.of(MINIMAL).store())
        .isInstanceOf(io.tokenwatch.audit.store.StoreLocation.DuckDbFile.class);
    Map<String, Object> postgres = new java.util.HashMap<>(MINIMAL);
    postgres.put(AuditSinkConfig.STORE, "postgresql://db:5432/audit?user=sink");
    assertThat(AuditSinkConfig.of(postgres).store().toString())
        .isEqualTo("postgresql://db:5432/audit?user=sink");

    postgres.put(AuditSinkConfig.STORE, "postgresql://db/audit?user=sink&password=hunter2");
    assertThatThrownBy(() -> AuditSinkConfig.of(postgres))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(AuditSinkConfig.STORE)
        .hasMessageContaining("PGPASSWORD")
        .hasMessageNotContaining("hunter2");
    postgres.put(AuditSinkConfig.STORE, "audit.duckdb");
    assertThatThrownBy(() -> AuditSinkConfig.of(postgres))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(AuditSinkConfig.DB_FILE);
  }

  @Test
  void shouldReportEveryProblemAtOnce() {
    assertThatThrownBy(
            () ->
                AuditSinkConfig.of(
                    Map.of(
                        AuditSinkConfig.BATCH_SIZE, "0",
                        AuditSinkConfig.API_ISSUER, "issuer.example",
                        AuditSinkConfig.API_JWKS_URL, "ftp://issuer.example/jwks",
                        AuditSinkConfig.DATA_DIR, " ")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("6 problem(s)")
        .hasMessageContaining(AuditSinkConfig.BOOTSTRAP_SERVERS)
        .hasMessageContaining(AuditSinkConfig.SCHEMA_REGISTRY_URL)
        .hasMessageContaining(AuditSinkConfig.BATCH_SIZE)
        .hasMessageContaining(AuditSinkConfig.API_ISSUER)
        .hasMessageContaining(AuditSinkConfig.API_JWKS_URL)
        .hasMessageContaining(AuditSinkConfig.DATA_DIR);
  }

  @Test
  void shouldDeriveTheJwksUrlFromTheIssuerAndPassConsumerKeysThrough() {
    AuditSinkConfig config =
        AuditSinkConfig.of(
            Map.of(
                "bootstrap.servers",
                "broker:9092",
                "schema.registry.url",
                "http://registry:8081",
                AuditSinkConfig.API_ISSUER,
                "https://issuer.example/",
                "consumer.max.poll.records",
                "10",
                "kafka.security.protocol",
                "SSL"));

    assertThat(config.apiJwksUrl())
        .hasValueSatisfying(
            url -> assertThat(url).hasToString("https://issuer.example/.well-known/jwks.json"));
    assertThat(config.consumerConfig())
        .containsEntry("max.poll.records", "10")
        .containsEntry("security.protocol", "SSL")
        .containsEntry("group.id", "tokenwatch-audit-sink");
    assertThat(config.dbFile()).isEqualTo(Path.of("data/audit-sink/audit.duckdb"));
  }

  @Test
  void shouldDocumentEveryKeyInTheReadme() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    assertThat(readme)
        .as("README.md must contain AuditSinkConfig.markdownTable() verbatim")
        .contains(AuditSinkConfig.markdownTable());
  }
}
