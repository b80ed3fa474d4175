package io.tokenwatch.revocation.kafka;

import static io.tokenwatch.schemas.config.RenamedKeys.sample;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.config.RenamedKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class RevocationStreamConfigTest {

  private static final String HASH = "a".repeat(64);

  @Test
  void shouldReportEveryProblemAtOnceWithoutPrintingTheSecretHash() {
    assertThatThrownBy(
            () ->
                RevocationStreamConfig.of(
                    Map.of(
                        RevocationStreamConfig.MAX_TOKEN_TTL_MS, "0",
                        RevocationStreamConfig.HTTP_PORT, "70000",
                        RevocationStreamConfig.INTROSPECTION_SECRET_SHA256, "zz-secret-zz")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(RevocationStreamConfig.BOOTSTRAP_SERVERS)
        .hasMessageContaining(RevocationStreamConfig.MAX_TOKEN_TTL_MS)
        .hasMessageContaining(RevocationStreamConfig.HTTP_PORT)
        .hasMessageNotContaining("zz-secret-zz");
  }

  @Test
  void shouldRunExactlyOnceV2AndPassStreamsKeysThrough() {
    RevocationStreamConfig config =
        RevocationStreamConfig.of(
            Map.of(
                "bootstrap.servers",
                "broker:9092",
                "schema.registry.url",
                "http://registry:8081",
                "streams.producer.linger.ms",
                "5",
                RevocationStreamConfig.INTROSPECTION_SECRET_SHA256,
                HASH));

    var props = config.streamsProperties("host:8092");
    assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
        .isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo("50");
    assertThat(props.get("producer.linger.ms")).isEqualTo("5");
    assertThat(props.get(StreamsConfig.APPLICATION_SERVER_CONFIG)).isEqualTo("host:8092");
    assertThat(config.toString()).doesNotContain(HASH);
    assertThat(config.introspectionSecretSha256()).hasSize(32);
  }

  @Test
  void shouldDocumentEveryKeyInTheReadme() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    assertThat(readme)
        .as("README.md must contain RevocationStreamConfig.markdownTable() verbatim")
        .contains(RevocationStreamConfig.markdownTable());
  }

  private static final String OTHER_HASH = "b".repeat(64);

  private static final RenamedKeys<RevocationStreamConfig> RENAMED =
      new RenamedKeys<>(
          RevocationStreamConfig.deprecatedKeys(),
          Map.of("bootstrap.servers", "broker:9092", "schema.registry.url", "http://r:8081"),
          RevocationStreamConfig::of,
          RevocationStreamConfig::deprecations,
          Map.of(
              RevocationStreamConfig.MAX_TOKEN_TTL_MS,
              sample("7000", c -> c.rules().maxTokenTtl().toMillis()),
              RevocationStreamConfig.CLOCK_SKEW_MS,
              sample("3000", c -> c.rules().clockSkew().toMillis()),
              RevocationStreamConfig.EXPIRY_PUNCTUATION_MS,
              sample("1500", c -> c.expiryPunctuation().toMillis()),
              RevocationStreamConfig.TOMBSTONE_PUNCTUATION_MS,
              sample("2500", c -> c.tombstonePunctuation().toMillis()),
              RevocationStreamConfig.INTROSPECTION_SECRET_SHA256,
              sample(
                  OTHER_HASH,
                  c -> HexFormat.of().formatHex(requireNonNull(c.introspectionSecretSha256())))));

  @Test
  void shouldReadEveryKeyByItsNewNameAndByItsOldNameWithAWarningNamingTheNewOne() {
    RENAMED.assertEveryOldNameStillWorksAndWarns();
  }

  @Test
  void shouldRefuseAnOldAndANewNameGivenDifferentValuesAlongsideEveryOtherProblem() {
    RENAMED.assertOldAndNewWithDifferentValuesIsAProblem(RevocationStreamConfig.HTTP_PORT, "-1");
  }
}
