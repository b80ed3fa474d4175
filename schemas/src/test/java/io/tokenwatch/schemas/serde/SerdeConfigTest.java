package io.tokenwatch.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.schemas.registry.RegistrySettings;
import io.tokenwatch.schemas.registry.RegistrySettings.CredentialsSource;
import io.tokenwatch.schemas.serde.fixtures.Grant;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

class SerdeConfigTest {
  private static final String SECRET = "s3cr3t-Pa55";
  private static final Path SERDE_MD = Path.of("SERDE.md");
  private static final String TABLE_START = "<!-- config-table:start -->\n";
  private static final String TABLE_END = "<!-- config-table:end -->";

  @Test
  void shouldApplyDefaults() {
    SerdeConfig config = SerdeConfig.of(Map.of("schema.registry.url", "http://r:8081"));

    RegistrySettings settings = config.registrySettings();
    assertThat(settings.urls()).containsExactly(URI.create("http://r:8081"));
    assertThat(settings.credentialsSource()).isEqualTo(CredentialsSource.URL);
    assertThat(settings.userInfo()).isNull();
    assertThat(settings.tls()).isNull();
    assertThat(settings.requestTimeout()).isEqualTo(RegistrySettings.DEFAULT_REQUEST_TIMEOUT);
    assertThat(settings.connectTimeout()).isEqualTo(RegistrySettings.DEFAULT_CONNECT_TIMEOUT);
    assertThat(settings.maxRetries()).isEqualTo(RegistrySettings.DEFAULT_MAX_RETRIES);
    assertThat(settings.retryBackoff()).isEqualTo(RegistrySettings.DEFAULT_RETRY_BACKOFF);
    assertThat(config.autoRegisterSchemas()).isTrue();
    assertThat(config.useLatestVersion()).isFalse();
    assertThat(config.specificAvroReader()).isFalse();
    assertThat(config.specificAvroType(false)).isNull();
  }

  @Test
  void shouldReadEveryKeyFromStringsOrTypedValues() throws IOException {
    Path store = Files.createTempFile("truststore", ".p12");
    try {
      Map<String, Object> props = new HashMap<>();
      props.put("schema.registry.url", List.of("https://a:8081", "https://b:8081/apis/ccompat/v7"));
      props.put("basic.auth.credentials.source", "USER_INFO");
      props.put("basic.auth.user.info", new Password("svc:" + SECRET));
      props.put("schema.registry.ssl.truststore.location", store.toString());
      props.put("schema.registry.ssl.truststore.password", "trust-" + SECRET);
      props.put("schema.registry.ssl.truststore.type", "PKCS12");
      props.put("schema.registry.request.timeout.ms", 1500);
      props.put("schema.registry.connect.timeout.ms", "700");
      props.put("schema.registry.max.retries", "0");
      props.put("schema.registry.retry.backoff.ms", 5L);
      props.put("auto.register.schemas", false);
      props.put("use.latest.version", "true");
      props.put("specific.avro.reader", "true");
      props.put("specific.avro.value.type", Grant.class);
      props.put("unrelated.producer.key", "ignored");

      SerdeConfig config = SerdeConfig.of(props);

      RegistrySettings settings = config.registrySettings();
      assertThat(settings.urls())
          .containsExactly(
              URI.create("https://a:8081"), URI.create("https://b:8081/apis/ccompat/v7"));
      assertThat(settings.credentialsSource()).isEqualTo(CredentialsSource.USER_INFO);
      assertThat(settings.userInfo()).isEqualTo(new Password("svc:" + SECRET));
      assertThat(settings.tls()).isNotNull();
      assertThat(settings.tls().truststoreType()).isEqualTo("PKCS12");
      assertThat(settings.requestTimeout()).isEqualTo(Duration.ofMillis(1500));
      assertThat(settings.connectTimeout()).isEqualTo(Duration.ofMillis(700));
      assertThat(settings.maxRetries()).isZero();
      assertThat(settings.retryBackoff()).isEqualTo(Duration.ofMillis(5));
      assertThat(config.autoRegisterSchemas()).isFalse();
      assertThat(config.useLatestVersion()).isTrue();
      assertThat(config.specificAvroType(false)).isEqualTo(Grant.class);
      assertThat(config.toString()).doesNotContain(SECRET);
      assertThat(settings.toString()).doesNotContain(SECRET);
    } finally {
      Files.delete(store);
    }
  }

  @Test
  void shouldReportEveryProblemAtOnceWithoutSecrets() {
    Map<String, Object> props = new HashMap<>();
    props.put("schema.registry.url", "ftp://svc:" + SECRET + "@r:21");
    props.put("basic.auth.credentials.source", "SASL_INHERIT");
    props.put("basic.auth.user.info", SECRET);
    props.put("schema.registry.request.timeout.ms", "0");
    props.put("schema.registry.max.retries", "many");
    props.put("schema.registry.ssl.keystore.type", "PEMX");
    props.put("auto.register.schemas", "perhaps");

    assertThatThrownBy(() -> SerdeConfig.of(props))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("6 problem(s)")
        .hasMessageContainingAll(
            "schema.registry.url",
            "basic.auth.credentials.source",
            "schema.registry.request.timeout.ms",
            "schema.registry.max.retries",
            "schema.registry.ssl.keystore.type",
            "auto.register.schemas")
        .message()
        .doesNotContain(SECRET);
  }

  @Test
  void shouldRequireRegistryUrl() {
    assertThatThrownBy(() -> SerdeConfig.of(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.url");
  }

  @Test
  void shouldCrossCheckCredentialsStoresAndTypesTogether() {
    Map<String, Object> props = new HashMap<>();
    props.put("schema.registry.url", "http://r:8081");
    props.put("basic.auth.credentials.source", "USER_INFO");
    props.put("basic.auth.user.info", "no-colon-" + SECRET);
    props.put("schema.registry.ssl.truststore.location", "does/not/exist.jks");
    props.put("specific.avro.value.type", String.class.getName());

    assertThatThrownBy(() -> SerdeConfig.of(props))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("3 problem(s)")
        .hasMessageContainingAll(
            "basic.auth.user.info of the form user:password",
            "schema.registry.ssl.truststore.location names no readable file",
            "specific.avro.value.type must name a generated Avro class")
        .message()
        .doesNotContain(SECRET);
  }

  @Test
  void shouldDeclareSecretsAsPasswords() {
    assertThat(SerdeConfig.configDef().configKeys().values())
        .filteredOn(k -> k.name.endsWith("password") || k.name.equals("basic.auth.user.info"))
        .hasSize(4)
        .allSatisfy(k -> assertThat(k.type).hasToString("PASSWORD"));
  }

  @Test
  void shouldKeepSerdeMdTableEqualToGeneratedTable() throws IOException {
    String markdown = Files.readString(SERDE_MD, StandardCharsets.UTF_8);
    int start = markdown.indexOf(TABLE_START);
    int end = markdown.indexOf(TABLE_END);
    assertThat(start).as("SERDE.md has the table start marker").isNotNegative();
    assertThat(end).as("SERDE.md has the table end marker").isGreaterThan(start);
    if (Boolean.getBoolean("serde.md.update")) {
      // mvn test -Dserde.md.update=true -Dtest=SerdeConfigTest rewrites the table.
      markdown =
          markdown.substring(0, start + TABLE_START.length())
              + SerdeConfig.markdownTable()
              + markdown.substring(end);
      Files.writeString(SERDE_MD, markdown, StandardCharsets.UTF_8);
      return;
    }

    assertThat(markdown.substring(start + TABLE_START.length(), end))
        .as("SERDE.md configuration table; regenerate with -Dserde.md.update=true")
        .isEqualTo(SerdeConfig.markdownTable());
  }
}
